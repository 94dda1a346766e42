// The site form's map: click to place the site (sets the latitude and longitude
// fields); typing coordinates moves the marker. Offline basemap as on the overview.
import L from "leaflet";
import { addBasemap } from "./map.js";

const DEFAULT_VIEW = [65.8, 13.2];

function readNumber(input) {
  const value = Number.parseFloat(String(input.value).replace(",", "."));
  return Number.isFinite(value) ? value : null;
}

export function initSitePicker(node) {
  const lat = document.getElementById(node.dataset.lat);
  const lon = document.getElementById(node.dataset.lon);
  if (!lat || !lon) return null;
  const map = L.map(node, { zoomSnap: 0.5 });
  map.createPane("basemap").style.zIndex = 200;
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth");
  node.classList.add("map-water");
  let marker = null;
  const place = (latlng, pan) => {
    if (marker) marker.setLatLng(latlng);
    else marker = L.circleMarker(latlng, { radius: 9, color: "#10403f", weight: 3, fillColor: "#1a5e63", fillOpacity: 0.8, className: "site-marker" }).addTo(map);
    if (pan) map.panTo(latlng);
  };
  const fromInputs = (pan) => {
    const a = readNumber(lat);
    const b = readNumber(lon);
    if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) place([a, b], pan);
  };
  const a = readNumber(lat);
  const b = readNumber(lon);
  if (a !== null && b !== null) {
    map.setView([a, b], 11);
    place([a, b], false);
  } else {
    map.setView(DEFAULT_VIEW, 6);
  }
  map.on("click", (event) => {
    lat.value = event.latlng.lat.toFixed(5);
    lon.value = event.latlng.lng.toFixed(5);
    place(event.latlng, false);
  });
  lat.addEventListener("change", () => fromInputs(true));
  lon.addEventListener("change", () => fromInputs(true));
  addBasemap(map, node.dataset.tileUrl).catch(() => {});
  node.dataset.ready = "true";
  return map;
}
