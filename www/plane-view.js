// @ts-check
// One run of the lab in data space, drawn on a canvas at true values: D(x) as a heatmap (each
// cell the colour of D at its centre, drawn as a square, not smoothed), the real points, G's
// manifold as a mesh, the fakes, and on each fake its arrow −∇ₓ J_G at a scale the runs share.
// A fake off the plane is not flattened onto the edge: it is a triangle on the edge pointing
// its way, counted in the caption. An arrow too short to see is a dot, read on hover. The
// canvas carries its mapping (data-x0 … data-size) and what it drew (`marks`), so a test reads
// the drawing back in data units.

/** @typedef {import("gan-core").PlaneInfo} PlaneInfo @typedef {import("gan-core").RunFrame} RunFrame */

/** Arrows shorter than this many pixels are drawn as dots. */
export const DOT_BELOW = 1.5;
const FAKE = [186, 60, 160], REAL = [20, 120, 60];

/**
 * D(x) as a colour: purple where D calls x fake (0), white at ½, green where it calls x real
 * (1), linear in D between. `colourOf` is the one map; the legend and the tests read it.
 * @param {number} d @returns {[number, number, number]}
 */
export function colourOf(d) {
  if (!Number.isFinite(d)) return [128, 128, 128];
  const t = Math.min(1, Math.max(0, d));
  const [from, w] = t < 0.5 ? [FAKE, 1 - 2 * t] : [REAL, 2 * t - 1];
  return /** @type {[number, number, number]} */ (from.map((c) => Math.round(255 + (c - 255) * w)));
}

/** The D whose colour is nearest to `rgb` (what a test reads off a heatmap pixel). @param {number[]} rgb */
export function dOfColour(rgb) {
  let best = 0, far = Infinity;
  for (let i = 0; i <= 1000; i++) {
    const c = colourOf(i / 1000);
    const e = (c[0] - rgb[0]) ** 2 + (c[1] - rgb[1]) ** 2 + (c[2] - rgb[2]) ** 2;
    if (e < far) [best, far] = [i / 1000, e];
  }
  return best;
}

/**
 * The canvas's mapping: data units to pixels (y up).
 * @param {HTMLCanvasElement} canvas @param {number} view
 */
export function mapping(canvas, view) {
  const size = canvas.width;
  const px = (/** @type {number} */ x) => ((x + view) / (2 * view)) * size;
  const py = (/** @type {number} */ y) => ((view - y) / (2 * view)) * size;
  return { size, px, py, x: (/** @type {number} */ u) => (u / size) * 2 * view - view, y: (/** @type {number} */ v) => view - (v / size) * 2 * view };
}

/**
 * Where a pointer is on `canvas`, in its pixels (the CSS border and scaling taken out).
 * @param {HTMLCanvasElement} canvas @param {MouseEvent} e
 */
export function canvasPoint(canvas, e) {
  const r = canvas.getBoundingClientRect();
  const [x, y] = [e.clientX - r.left - canvas.clientLeft, e.clientY - r.top - canvas.clientTop];
  return [x * (canvas.width / canvas.clientWidth), y * (canvas.height / canvas.clientHeight)];
}

/**
 * Draws `run` of `info` on `canvas`; `scale` turns ‖∇‖ into pixels (shared by the runs);
 * `show` says which layers to draw. Answers what was drawn, in pixels and data units.
 * @param {HTMLCanvasElement} canvas @param {PlaneInfo} info @param {RunFrame} run @param {number} scale
 * @param {{ heat: boolean, real: boolean, manifold: boolean, fakes: boolean, arrows: boolean }} show
 */
export function drawRun(canvas, info, run, scale, show) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
  const m = mapping(canvas, info.view);
  const { size } = m;
  Object.assign(canvas.dataset, { x0: -info.view, x1: info.view, y0: -info.view, y1: info.view, size, scale });
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, size, size);
  if (show.heat) drawHeat(ctx, info.heatCells, run.heat, size);
  const inside = (/** @type {number} */ x, /** @type {number} */ y) => Math.abs(x) <= info.view && Math.abs(y) <= info.view;
  /** @type {{ points: number[][], arrows: number[][], dots: number[][], off: number[][], realOff: number, notFinite: number }} */
  const marks = { points: [], arrows: [], dots: [], off: [], realOff: 0, notFinite: 0 };
  for (let i = 0; i < info.real.length; i += 2) {
    const [x, y] = [info.real[i], info.real[i + 1]];
    if (inside(x, y)) {
      if (show.real) {
        ctx.fillStyle = "rgba(15, 110, 50, 0.75)";
        ctx.fillRect(m.px(x) - 1.5, m.py(y) - 1.5, 3, 3);
      }
      continue;
    }
    marks.realOff++;
    if (show.real) edgeMarker(ctx, m, info.view, x, y, "rgba(15, 110, 50, 0.9)");
  }
  if (show.manifold) drawManifold(ctx, m, info.manifold, run.manifold);
  for (let i = 0; i < run.fakes.length / 2; i++) {
    const [x, y] = [run.fakes[2 * i], run.fakes[2 * i + 1]];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      marks.notFinite++;
      continue;
    }
    if (!inside(x, y)) {
      marks.off.push([x, y]);
      if (show.fakes) edgeMarker(ctx, m, info.view, x, y, "rgba(140, 30, 130, 0.9)");
      continue;
    }
    const [u, v] = [m.px(x), m.py(y)];
    if (show.fakes) {
      ctx.fillStyle = "rgba(140, 30, 130, 0.9)";
      ctx.beginPath();
      ctx.arc(u, v, 2.2, 0, 2 * Math.PI);
      ctx.fill();
      marks.points.push([i, u, v]);
    }
    if (!show.arrows) continue;
    // Data y is up, pixels go down: an arrow of (gx, gy) ends at (u + s·gx, v − s·gy).
    const [gx, gy] = [run.arrows[2 * i], run.arrows[2 * i + 1]];
    const [du, dv] = [scale * gx, -scale * gy];
    if (Math.hypot(du, dv) < DOT_BELOW) {
      marks.dots.push([i, u, v]);
      continue;
    }
    arrow(ctx, u, v, u + du, v + dv);
    marks.arrows.push([i, u, v, u + du, v + dv]);
  }
  /** @type {any} */ (canvas).marks = marks;
  return marks;
}

/** @param {CanvasRenderingContext2D} ctx @param {number} cells @param {number[]} heat @param {number} size */
function drawHeat(ctx, cells, heat, size) {
  const image = new ImageData(cells, cells);
  heat.forEach((d, i) => {
    const [r, g, b] = colourOf(d);
    image.data.set([r, g, b, 255], 4 * i);
  });
  const tile = new OffscreenCanvas(cells, cells);
  /** @type {OffscreenCanvasRenderingContext2D} */ (tile.getContext("2d")).putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, 0, 0, size, size);
}

/** G's manifold: a polyline (1-D noise) or a mesh of rows and columns (2-D), clipped to the canvas. */
function drawManifold(ctx, m, shape, xy) {
  ctx.strokeStyle = "rgba(40, 40, 40, 0.45)";
  ctx.lineWidth = 1;
  const at = (i) => [m.px(xy[2 * i]), m.py(xy[2 * i + 1])];
  const polyline = (indices) => {
    ctx.beginPath();
    indices.forEach((i, k) => (k ? ctx.lineTo : ctx.moveTo).apply(ctx, at(i)));
    ctx.stroke();
  };
  const n = shape[0];
  if (shape.length === 1) return polyline([...Array(n).keys()]);
  for (let r = 0; r < n; r++) polyline([...Array(n).keys()].map((c) => r * n + c));
  for (let c = 0; c < n; c++) polyline([...Array(n).keys()].map((r) => r * n + c));
}

/** @param {CanvasRenderingContext2D} ctx */
function arrow(ctx, x0, y0, x1, y1) {
  ctx.strokeStyle = "rgba(20, 20, 20, 0.85)";
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  const a = Math.atan2(y1 - y0, x1 - x0), h = Math.min(5, Math.hypot(x1 - x0, y1 - y0) / 2);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - h * Math.cos(a - 0.45), y1 - h * Math.sin(a - 0.45));
  ctx.lineTo(x1 - h * Math.cos(a + 0.45), y1 - h * Math.sin(a + 0.45));
  ctx.fill();
}

/** A point off the plane: a triangle on the edge where the line from the centre leaves it. */
function edgeMarker(ctx, m, view, x, y, colour) {
  const t = view / Math.max(Math.abs(x), Math.abs(y));
  const [u, v] = [m.px(x * t), m.py(y * t)];
  const a = Math.atan2(-y, x);
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.moveTo(u, v);
  ctx.lineTo(u - 8 * Math.cos(a - 0.5), v - 8 * Math.sin(a - 0.5));
  ctx.lineTo(u - 8 * Math.cos(a + 0.5), v - 8 * Math.sin(a + 0.5));
  ctx.fill();
}

/** The legend's colour bar: D from 0 (left) to 1 (right). @param {HTMLCanvasElement} canvas */
export function drawLegend(canvas) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  for (let u = 0; u < canvas.width; u++) {
    const [r, g, b] = colourOf(u / (canvas.width - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(u, 0, 1, canvas.height);
  }
}
