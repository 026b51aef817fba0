// veille dashboard scripts. No inline script anywhere: the strict Content-Security-Policy
// forbids it; figures come from <script type="application/json"> blocks.
"use strict";

function veilleFigure(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function veilleCharts(root) {
  if (typeof window.Plotly === "undefined") return;
  root.querySelectorAll(".chart[data-figure]").forEach((el) => {
    if (el.dataset.drawn) return;
    const fig = veilleFigure(el.dataset.figure);
    if (!fig) return;
    el.dataset.drawn = "1";
    const layout = Object.assign(
      { font: { color: "#1b1f24" }, paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff" },
      fig.layout || {},
    );
    window.Plotly.newPlot(el, fig.data, layout, {
      displaylogo: false, responsive: true, displayModeBar: false,
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  veilleCharts(document);
  if (typeof window.veilleGraph === "function") window.veilleGraph();
});
document.addEventListener("htmx:afterSwap", (event) => veilleCharts(event.target));
