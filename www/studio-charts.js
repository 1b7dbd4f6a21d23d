// The studio's charts: the losses and D's outputs of every step kept, and the quality
// measurements (classifier score, Fréchet distance with the floor real images read), drawn
// by the plot rules of www/plot.js.

import { frame, line } from "./plot.js";

export const CHARTS = [["dLoss", "D loss"], ["gCost", "G cost"], ["dReal", "mean D(x)"], ["dFakeBefore", "mean D(G(z))"]];
export const KEPT = ["iteration", "dLoss", "gCost", "dReal", "dFakeBefore"]; // what the curves keep of a step
const $ = (id) => document.getElementById(id);

export function drawCharts(history, quality) {
  const last = Math.max(history.at(-1)?.iteration ?? 0, quality.at(-1)?.iteration ?? 0);
  const chart = (key, label, points, y, extra) => {
    const values = points.map(([, v]) => v);
    const f = frame($(`studio-chart-${key}`), { x: [0, Math.max(10, last)], y: [Math.min(y[0], ...values), Math.max(y[1], ...values)], yLabel: label, xLabel: "step", ticks: 2 });
    extra?.(f);
    line(f, points, { stroke: "#1565c0", "stroke-width": 1.5, "data-run": "studio" }, label);
  };
  for (const [key, label] of CHARTS) chart(key, label, history.map((s) => [s.iteration, s[key]]), [0, 1]);
  chart("score", "classifier score", quality.map((q) => [q.iteration, q.classifierScore]), [1, 10]);
  // The floor: what real images read with this meter (a perfect generator's distance).
  chart("fd", "Fréchet distance", quality.map((q) => [q.iteration, q.frechetDistance]), [0, 10], (f) => {
    const floor = quality.at(-1)?.floor;
    if (floor !== undefined) line(f, [[0, floor], [f.x1, floor]], { stroke: "#888", "stroke-dasharray": "3 3", "data-run": "floor" }, "real images");
  });
  $("studio-charts").dataset.empty = String(!history.length && !quality.length);
}
