// The ecosystem graph (cytoscape.js, vendored), laid out by the server: positions come
// with the nodes, so the view is the same for everyone and costs the browser nothing.
"use strict";

window.veilleGraph = function () {
  const el = document.getElementById("graph");
  if (!el || typeof window.cytoscape === "undefined") return;
  const data = JSON.parse(document.getElementById(el.dataset.graph).textContent);
  const palette = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#be123c", "#0e7490",
    "#a16207", "#4d7c0f", "#9d174d", "#1d4ed8"];
  const width = el.clientWidth || 800;
  const height = el.clientHeight || 500;
  const elements = data.nodes.map((n) => ({
    data: {
      id: n.id, label: n.label || n.id, size: 8 + 40 * Math.sqrt(n.size || 0),
      color: palette[(n.community || 0) % palette.length], leader: n.leader ? 1 : 0,
    },
    position: { x: (n.x || 0) * width, y: (n.y || 0) * height },
  })).concat(data.edges.map((e, i) => ({
    data: { id: "e" + i, source: e.source, target: e.target, weight: e.weight },
  })));
  window.veilleCy = window.cytoscape({
    container: el,
    elements: elements,
    layout: { name: "preset" },
    style: [
      { selector: "node", style: {
        "background-color": "data(color)", width: "data(size)", height: "data(size)",
        label: "", "font-size": 10 } },
      { selector: "node[leader = 1]", style: {
        label: "data(label)", "border-width": 2, "border-color": "#1b1f24" } },
      { selector: "edge", style: {
        width: 0.6, "line-color": "#9aa5b1", opacity: 0.5, "curve-style": "haystack" } },
      { selector: "node:selected", style: { label: "data(label)", "border-width": 3 } },
    ],
    wheelSensitivity: 0.3,
  });
  window.veilleCy.on("tap", "node", (event) => {
    const caption = document.getElementById("graph-caption");
    if (caption) caption.textContent = event.target.data("label");
  });
};
