// Sidestream's pages: htmx for partial updates, Leaflet for the map, d3-sankey.
import htmx from "htmx.org";
import "./app.css";
import { initMap } from "./map.js";
import { initSitePicker } from "./picker.js";
import { drawSankey } from "./sankey.js";

window.htmx = htmx;

// htmx writes carry the session's CSRF token (the API checks X-CSRF-Token).
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && event.detail.verb !== "get") {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

function readPayload() {
  const node = document.getElementById("overview-data");
  return node ? JSON.parse(node.textContent) : null;
}

// Suggestion buttons of the flow form fill a field (category, EWC code) in place.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-set-category], [data-set-ewc]");
  if (!button) return;
  const [id, value] = button.dataset.setCategory !== undefined
    ? ["f-category", button.dataset.setCategory]
    : ["f-ewc", button.dataset.setEwc];
  const field = document.getElementById(id);
  if (!field) return;
  field.value = value;
  field.dispatchEvent(new Event("change", { bubbles: true }));
  field.focus();
});

function start() {
  const picker = document.querySelector("[data-picker]");
  if (picker) initSitePicker(picker);
  const payload = readPayload();
  if (!payload) return;
  const mapNode = document.getElementById("map");
  if (mapNode) initMap(mapNode, payload);
  const sankeyNode = document.getElementById("sankey");
  if (sankeyNode) drawSankey(sankeyNode, payload.sankey);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
