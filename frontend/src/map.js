// The region map: an offline Natural Earth basemap (or tiles when configured),
// one circle per flow (filled = supply, ring = demand, coloured by category, sized
// by amount) and lines for the best matches. Toggles live in the page's HTML.
import L from "leaflet";
import { feature, mesh } from "topojson-client";

const BASEMAP_URL = "/static/build/countries-10m.json";
const MIN_RADIUS = 4;
const MAX_RADIUS = 16;

function popupContent(point) {
  const root = document.createElement("div");
  const title = document.createElement("strong");
  title.textContent = point.resource;
  root.append(title);
  for (const text of [
    `${point.direction_label} · ${point.category_label}${point.amount ? ` · ${point.amount}` : ""}`,
    `${point.organisation} — ${point.site}`,
  ]) {
    const line = document.createElement("div");
    line.textContent = text;
    root.append(line);
  }
  return root;
}

// Natural Earth rings that cross the antimeridian jump from +180 to -180; Leaflet
// would draw such a ring across the whole world (Russia would cover Norway). Unwrap
// each ring so that consecutive points never differ by more than 180 degrees.
function unwrapLine(line) {
  let shift = 0;
  return line.map((point, i) => {
    if (i > 0) {
      const step = point[0] - line[i - 1][0];
      if (step > 180) shift -= 360;
      else if (step < -180) shift += 360;
    }
    return [point[0] + shift, point[1]];
  });
}

function unwrap(geometry) {
  if (!geometry) return geometry;
  switch (geometry.type) {
    case "Polygon":
    case "MultiLineString":
      return { ...geometry, coordinates: geometry.coordinates.map(unwrapLine) };
    case "MultiPolygon":
      return { ...geometry, coordinates: geometry.coordinates.map((p) => p.map(unwrapLine)) };
    case "LineString":
      return { ...geometry, coordinates: unwrapLine(geometry.coordinates) };
    default:
      return geometry;
  }
}

function unwrapAll(geojson) {
  if (geojson.type === "FeatureCollection") {
    return { ...geojson, features: geojson.features.map((f) => ({ ...f, geometry: unwrap(f.geometry) })) };
  }
  return unwrap(geojson);
}

export async function addBasemap(map, tileUrl) {
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
    return;
  }
  const response = await fetch(BASEMAP_URL);
  if (!response.ok) return;
  const world = await response.json();
  const countries = unwrapAll(feature(world, world.objects.countries));
  const land = L.geoJSON(countries, {
    pane: "basemap",
    interactive: false,
    style: { color: "#9aa5a8", weight: 0, fillColor: "#f4f1ea", fillOpacity: 1 },
  });
  const borders = L.geoJSON(unwrapAll(mesh(world, world.objects.countries, (a, b) => a !== b)), {
    pane: "basemap",
    interactive: false,
    style: { color: "#9aa5a8", weight: 1, dashArray: "4 3", fill: false },
  });
  const coast = L.geoJSON(unwrapAll(mesh(world, world.objects.countries, (a, b) => a === b)), {
    pane: "basemap",
    interactive: false,
    style: { color: "#7f8c8d", weight: 1, fill: false },
  });
  for (const layer of [land, borders, coast]) layer.addTo(map);
}

function toggle(map, layer, input) {
  if (!layer || !input) return;
  if (input.checked && !map.hasLayer(layer)) {
    layer.addTo(map);
    layer.bringToFront();
  }
  if (!input.checked && map.hasLayer(layer)) map.removeLayer(layer);
}

// Potential hubs (issue 8): dashed outlines with the hub's name and why in a popup.
function hubLayer(collection) {
  return L.geoJSON(collection, {
    style: { color: "#b07a00", weight: 2, dashArray: "6 3", fillColor: "#f2a900", fillOpacity: 0.2 },
    className: "hub-outline",
    onEachFeature: (f, layer) => {
      const root = document.createElement("div");
      const title = document.createElement("strong");
      title.textContent = `${f.properties.rank}. ${f.properties.name}`;
      root.append(title);
      const list = document.createElement("ul");
      for (const why of f.properties.why || []) {
        const item = document.createElement("li");
        item.textContent = why;
        list.append(item);
      }
      root.append(list);
      layer.bindPopup(root);
      layer.bindTooltip(title.textContent, { sticky: true });
    },
  });
}

// The h3 choropleth: each hexagon shaded by one property, on a square-root scale so
// that one big plant does not wash out every other cell.
const RAMP = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
function hexagonLayer(collection, choices) {
  const layer = L.geoJSON(collection, {
    style: { color: "#8a6d5a", weight: 0.6, fillOpacity: 0.65, fillColor: RAMP[0] },
    className: "hexagon",
    onEachFeature: (f, l) => l.bindTooltip(() => tooltip(f.properties, choices), { sticky: true }),
  });
  const colourBy = (key) => {
    const values = collection.features.map((f) => Number(f.properties[key]) || 0);
    const peak = Math.sqrt(Math.max(...values, 0)) || 1;
    layer.eachLayer((l) => {
      const v = Math.sqrt(Number(l.feature.properties[key]) || 0) / peak;
      const colour = v <= 0 ? RAMP[0] : RAMP[Math.min(RAMP.length - 1, 1 + Math.floor(v * (RAMP.length - 1)))];
      l.setStyle({ fillColor: colour });
    });
  };
  colourBy((choices && choices[0] && choices[0].key) || "flows");
  return { layer, colourBy };
}

function tooltip(props, choices) {
  const root = document.createElement("div");
  for (const c of choices || []) {
    const line = document.createElement("div");
    line.textContent = `${c.label}: ${Number(props[c.key] || 0).toLocaleString()}`;
    root.append(line);
  }
  return root;
}

export function initMap(node, payload) {
  const map = L.map(node, { preferCanvas: false, worldCopyJump: false, zoomSnap: 0.5 });
  // Below the flows (overlayPane, z-index 400), where tiles would be.
  map.createPane("basemap").style.zIndex = 200;
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth");
  node.classList.add("map-water");

  const markers = [];
  const byCategory = new Map();
  for (const p of payload.points) {
    const radius = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * p.size;
    const supply = p.direction === "supply";
    const marker = L.circleMarker([p.lat, p.lon], {
      radius,
      color: p.colour,
      weight: supply ? 1 : 3,
      fillColor: supply ? p.colour : "#ffffff",
      fillOpacity: supply ? 0.75 : 0.35,
      className: `flow-marker flow-${p.direction} category-${p.category}`,
    }).bindPopup(() => popupContent(p));
    marker.sidestream = p;
    markers.push(marker);
    if (!byCategory.has(p.category)) byCategory.set(p.category, []);
    byCategory.get(p.category).push(marker);
  }
  const flows = L.featureGroup(markers).addTo(map);

  const lines = L.featureGroup(
    payload.lines.map((line) =>
      L.polyline([line.supply, line.demand], {
        color: "#1a5e63",
        weight: 1 + 4 * line.score,
        opacity: 0.7,
        className: "match-line",
      }).bindTooltip(line.label, { sticky: true }),
    ),
  ).addTo(map);

  // Hexagons first, so that the hub outlines stay on top of them.
  const hexagons = payload.hexagons ? hexagonLayer(payload.hexagons, payload.choropleth) : null;
  if (hexagons) hexagons.layer.addTo(map);
  const hubs = payload.hubs ? hubLayer(payload.hubs).addTo(map) : null;

  let bounds = flows.getBounds();
  if (!bounds.isValid() && hexagons && hexagons.layer.getLayers().length) bounds = hexagons.layer.getBounds();
  if (!bounds.isValid() && hubs && hubs.getLayers().length) bounds = hubs.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds.pad(0.1), { maxZoom: 11 });
  } else {
    map.setView([65.5, 13.5], 5);
  }

  // Toggles: a marker is shown when its category and its direction are both on.
  const shown = () => {
    const categories = new Set(
      [...document.querySelectorAll("input[data-layer-category]")]
        .filter((i) => i.checked)
        .map((i) => i.dataset.layerCategory),
    );
    const directions = new Set(
      [...document.querySelectorAll("input[data-layer-direction]")]
        .filter((i) => i.checked)
        .map((i) => i.dataset.layerDirection),
    );
    for (const m of markers) {
      const visible = categories.has(m.sidestream.category) && directions.has(m.sidestream.direction);
      if (visible && !flows.hasLayer(m)) flows.addLayer(m);
      if (!visible && flows.hasLayer(m)) flows.removeLayer(m);
    }
    const linesToggle = document.querySelector("input[data-layer-lines]");
    if (linesToggle && linesToggle.checked && !map.hasLayer(lines)) lines.addTo(map);
    if (linesToggle && !linesToggle.checked && map.hasLayer(lines)) map.removeLayer(lines);
    toggle(map, hubs, document.querySelector("input[data-layer-hubs]"));
    if (hexagons) {
      toggle(map, hexagons.layer, document.querySelector("input[data-layer-hexagons]"));
      const select = document.querySelector("select[data-choropleth]");
      if (select) hexagons.colourBy(select.value);
    }
    if (hubs && map.hasLayer(hubs)) hubs.bringToFront();
  };
  document.getElementById("layers")?.addEventListener("change", shown);

  addBasemap(map, payload.tile_url).catch(() => {});
  node.dataset.ready = "true";
  return map;
}
