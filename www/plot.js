// Minimal SVG plotting: linear or log axes, polylines, dots and ticks. No library: the lab
// needs four primitives, and hand-made SVG keeps every mark inspectable (and testable).
//
// A plot never draws a value that is not the true one. Coordinates are never clamped: a line
// that leaves the frame is clipped by an SVG clip path (its vertices outside stay where they
// truly are), a dot outside the frame becomes an edge marker that says it is off scale and
// gives its value on hover, and a value that cannot be drawn (±∞, NaN) breaks the line and is
// marked the same way. Each frame writes its mapping on the svg (data-x0 … data-bottom), so a
// test can read every mark back in data units.

const NS = "http://www.w3.org/2000/svg";
/** The frame's margins around the plot area, in pixels (room for the ticks and labels). */
export const MARGIN = { l: 46, r: 12, t: 8, b: 30 };
let clipIds = 0;

export function el(name, attrs = {}, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent?.append(node);
  return node;
}

// Tick values for [lo, hi]: multiples of a 1, 2 or 5 × 10ⁿ step, about `count` of them.
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * 0.999);
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

// Powers of ten inside [lo, hi] (both > 0), thinned to about `count`.
function logTicks(lo, hi, count) {
  const [a, b] = [Math.ceil(Math.log10(lo) - 1e-9), Math.floor(Math.log10(hi) + 1e-9)];
  const every = Math.max(1, Math.ceil((b - a + 1) / Math.max(1, count)));
  const ticks = [];
  for (let e = a; e <= b; e += every) ticks.push(10 ** e);
  return ticks;
}

// A number as a tick label: plain below 10⁴ (as many decimals as it has, "0.001", "−0.4"),
// "2e4" style from there on.
export function formatTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  const sign = v < 0 ? "−" : "";
  if (a >= 1e4) {
    const [m, e] = a.toExponential().split("e");
    return `${sign}${Number(Number(m).toPrecision(3))}e${Number(e)}`;
  }
  return sign + String(Number(a.toPrecision(6)));
}

// A plot area inside `svg` with margins; x and y map data to pixels, unclamped.
export function frame(svg, { x: [x0, x1], y: [y0, y1], log = false, xLabel = "", yLabel = "", ticks = 5 }) {
  svg.replaceChildren();
  const w = Number(svg.getAttribute("width")), h = Number(svg.getAttribute("height"));
  const m = MARGIN;
  const ty = (v) => (log ? Math.log10(v) : v);
  const [ly0, ly1] = [ty(y0), ty(y1)];
  const x = (v) => m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const y = (v) => m.t + (1 - (ty(v) - ly0) / (ly1 - ly0)) * (h - m.t - m.b);
  const inside = (v) => Number.isFinite(v) && (!log || v > 0) && ty(v) >= ly0 - 1e-12 && ty(v) <= ly1 + 1e-12;
  Object.assign(svg.dataset, { x0, x1, y0, y1, log: String(log), left: m.l, right: w - m.r, top: m.t, bottom: h - m.b });

  const id = `plot-clip-${++clipIds}`;
  el("rect", { x: m.l, y: m.t, width: w - m.l - m.r, height: h - m.t - m.b }, el("clipPath", { id }, el("defs", {}, svg)));
  const axis = el("g", { class: "axis" }, svg);
  const xs = niceTicks(x0, x1, ticks);
  xs.forEach((vx, i) => {
    el("line", { x1: x(vx), x2: x(vx), y1: m.t, y2: h - m.b, class: "grid" }, axis);
    // The last label ends at the frame's edge rather than running past the svg.
    const anchor = i === xs.length - 1 && x(vx) > w - m.r - 12 ? "end" : "middle";
    el("text", { x: x(vx), y: h - m.b + 13, "text-anchor": anchor, class: "tick-x" }, axis).textContent = formatTick(vx);
  });
  for (const vy of log ? logTicks(y0, y1, ticks) : niceTicks(y0, y1, ticks)) {
    el("line", { x1: m.l, x2: w - m.r, y1: y(vy), y2: y(vy), class: vy === 0 ? "zero" : "grid" }, axis);
    el("text", { x: m.l - 4, y: y(vy) + 4, "text-anchor": "end", class: "tick-y" }, axis).textContent = formatTick(vy);
  }
  el("text", { x: (m.l + w - m.r) / 2, y: h - 2, "text-anchor": "middle", class: "label" }, axis).textContent = xLabel;
  el("text", { x: 10, y: m.t + 4, class: "label", transform: `rotate(-90 10 ${m.t + 4})`, "text-anchor": "end" }, axis)
    .textContent = yLabel;
  const marks = el("g", { "clip-path": `url(#${id})` }, svg);
  return { svg, x, y, w, h, m, x0, x1, y0, y1, inside, log, marks };
}

// Where a value that is not drawn sits: above or below the frame (NaN counts as above).
function side(f, v) {
  if (Number.isNaN(v)) return "above";
  if (f.log && v <= 0) return "below";
  return (f.log ? Math.log10(v) : v) < (f.log ? Math.log10(f.y0) : f.y0) ? "below" : "above";
}

const fmtValue = (v) => (v === Infinity ? "+∞" : v === -Infinity ? "−∞" : Number.isNaN(v) ? "NaN" : String(Number(v.toPrecision(5))));

// A small triangle on the frame's edge at `u`, pointing off the plot, with the value on hover.
function edgeMarker(f, u, v, parent, label) {
  const where = side(f, v);
  const px = f.x(u);
  const py = where === "above" ? f.m.t : f.h - f.m.b;
  const d = where === "above" ? -5 : 5;
  const mark = el("path", {
    d: `M${(px - 4).toFixed(1)},${py.toFixed(1)}L${(px + 4).toFixed(1)},${py.toFixed(1)}L${px.toFixed(1)},${(py + d).toFixed(1)}Z`,
    class: "off-scale", "data-off-scale": where, "data-u": u, "data-value": v,
  }, parent);
  el("title", {}, mark).textContent = `${label}: ${fmtValue(v)} at ${Number(u.toPrecision(4))}, off scale (${where} the plot)`;
  return mark;
}

// A polyline through `points` [[u, v], …], clipped to the frame; it breaks where a value
// cannot be drawn, and each such value gets an edge marker.
export function line(f, points, attrs, label = "value") {
  const g = el("g", {}, f.svg);
  let d = "", open = false;
  for (const [u, v] of points) {
    const drawable = Number.isFinite(v) && (!f.log || v > 0);
    if (!drawable) {
      open = false;
      edgeMarker(f, u, v, g, label).setAttribute("fill", attrs.stroke ?? "#333");
      continue;
    }
    d += `${open ? "L" : "M"}${f.x(u).toFixed(2)},${f.y(v).toFixed(2)}`;
    open = true;
  }
  const path = el("path", { d, fill: "none", ...attrs, "data-label": label }, f.marks);
  const last = points.findLast(([, v]) => Number.isFinite(v));
  if (last) Object.assign(path.dataset, { lastU: last[0], lastV: last[1] });
  // The markers stay on top, unclipped (they sit on the edge).
  g.remove();
  if (g.childNodes.length) {
    for (const [k, v] of Object.entries(attrs)) if (k.startsWith("data-")) g.setAttribute(k, v);
    g.setAttribute("class", "off-scale-marks");
    f.svg.append(g);
  }
  return path;
}

// Dots at `points`; one outside the frame is an edge marker instead.
export function dots(f, points, attrs, label = "value") {
  const g = el("g", attrs, f.marks);
  const off = el("g", { ...attrs, class: "off-scale-marks" }, f.svg);
  for (const [u, v] of points) {
    if (f.inside(v)) el("circle", { cx: f.x(u), cy: f.y(v), r: 2.5, "data-u": u, "data-value": v }, g);
    else edgeMarker(f, u, v, off, label);
  }
  if (!off.childNodes.length) off.remove();
  return g;
}

// Short vertical ticks along the bottom (a rug) at positions `us`.
export function rug(f, us, attrs, row = 0) {
  const g = el("g", attrs, f.svg);
  const base = f.h - f.m.b - 2 - row * 7;
  for (const u of us) el("line", { x1: f.x(u), x2: f.x(u), y1: base, y2: base - 6 }, g);
  return g;
}

// `draw` in an animation frame, at most once every `ms`: a request while one waits joins it.
// Charts that redraw on every training step use it, so the main thread (which shares the
// cores with the workers that train) draws a few times a second, not once per step.
export function throttled(draw, ms) {
  let waiting = false, drawnAt = 0;
  return () => {
    if (waiting) return;
    waiting = true;
    setTimeout(() => requestAnimationFrame(() => {
      waiting = false;
      drawnAt = performance.now();
      draw();
    }), Math.max(0, drawnAt + ms - performance.now()));
  };
}

// What is off a plot, in words: per series, how many values lie above or below it and the
// furthest of them (what the edge markers say on hover, for a keyboard or a screen reader).
export function offScale(svg) {
  const groups = new Map();
  for (const mark of svg.querySelectorAll("[data-off-scale]")) {
    const label = mark.querySelector("title")?.textContent.split(": ")[0] ?? "value";
    const key = `${label}|${mark.dataset.offScale}`;
    const v = Number(mark.dataset.value);
    const g = groups.get(key) ?? { label, where: mark.dataset.offScale, count: 0, far: v };
    g.count++;
    // The furthest: the largest above (NaN, drawn above, counts as furthest), the smallest below.
    if (!Number.isNaN(g.far) && (g.where === "above" ? Number.isNaN(v) || v > g.far : v < g.far)) g.far = v;
    groups.set(key, g);
  }
  if (!groups.size) return "Nothing is off the plot.";
  return `Off the plot: ${[...groups.values()].map((g) =>
    `${g.count} ${g.label} ${g.where} it (furthest ${fmtValue(g.far)})`).join("; ")}.`;
}

// A chart in words: its name, each line's latest value, and what is off the plot.
export function describe(svg) {
  const lines = [...svg.querySelectorAll("path[data-last-v]")].map((p) =>
    `${p.dataset.label}${p.dataset.run ? ` (${p.dataset.run.replace("_", "-")})` : ""} ${fmtValue(Number(p.dataset.lastV))} at ${Number(p.dataset.lastU)}`);
  const name = svg.getAttribute("aria-label");
  return `${name}: ${lines.length ? lines.join(", ") : "nothing drawn yet"}. ${offScale(svg)}`;
}

// Hovering or focusing a chart in `charts` shows it in words in `output`: the hover readout,
// reachable by keyboard too (each chart takes the focus).
export function readout(charts, output) {
  const show = (e) => {
    const svg = e.target.closest?.("svg");
    if (svg && charts.contains(svg)) output.textContent = describe(svg);
  };
  for (const svg of charts.querySelectorAll("svg")) svg.setAttribute("tabindex", "0");
  charts.addEventListener("focusin", show);
  charts.addEventListener("mouseover", show);
}
