// A Sankey of supplies (resource classes) to uses, drawn with d3-sankey as SVG.
import { select } from "d3-selection";
import { sankey, sankeyLinkHorizontal } from "d3-sankey";

export function drawSankey(node, data) {
  if (!data || !data.links.length) return;
  const width = Math.max(280, node.clientWidth || 360);
  const height = Math.max(220, 22 * data.nodes.length);
  const layout = sankey()
    .nodeWidth(10)
    .nodePadding(8)
    .extent([
      [1, 4],
      [width - 1, height - 4],
    ]);
  const graph = layout({
    nodes: data.nodes.map((n) => ({ ...n })),
    links: data.links.map((l) => ({ ...l })),
  });
  const svg = select(node)
    .append("svg")
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("width", "100%")
    .attr("role", "img")
    .attr("aria-label", node.dataset.label || "Sankey")
    .attr("class", "sankey-svg");
  svg
    .append("g")
    .attr("fill", "none")
    .selectAll("path")
    .data(graph.links)
    .join("path")
    .attr("class", "sankey-link")
    .attr("d", sankeyLinkHorizontal())
    .attr("stroke", (d) => d.source.colour)
    .attr("stroke-opacity", 0.35)
    .attr("stroke-width", (d) => Math.max(1, d.width))
    .append("title")
    .text((d) => `${d.source.name} → ${d.target.name}: ${d.value}`);
  const nodes = svg.append("g").selectAll("g").data(graph.nodes).join("g").attr("class", "sankey-node");
  nodes
    .append("rect")
    .attr("x", (d) => d.x0)
    .attr("y", (d) => d.y0)
    .attr("width", (d) => d.x1 - d.x0)
    .attr("height", (d) => Math.max(1, d.y1 - d.y0))
    .attr("fill", (d) => d.colour)
    .append("title")
    .text((d) => `${d.name}: ${d.value}`);
  nodes
    .append("text")
    .attr("x", (d) => (d.x0 < width / 2 ? d.x1 + 4 : d.x0 - 4))
    .attr("y", (d) => (d.y0 + d.y1) / 2)
    .attr("dy", "0.35em")
    .attr("text-anchor", (d) => (d.x0 < width / 2 ? "start" : "end"))
    .attr("class", "sankey-label")
    .text((d) => d.name);
  node.dataset.ready = "true";
}
