// Minimal SVG plotting: linear or log axes, polylines, dots and ticks. No library: the lab
// needs four primitives, and hand-made SVG keeps every mark inspectable (and testable).

const NS = "http://www.w3.org/2000/svg";

export function el(name, attrs = {}, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent?.append(node);
  return node;
}

// A plot area inside `svg` with margins; x and y map data to pixels.
export function frame(svg, { x: [x0, x1], y: [y0, y1], log = false, xLabel = "", yLabel = "", ticks = 5 }) {
  svg.replaceChildren();
  const w = Number(svg.getAttribute("width")), h = Number(svg.getAttribute("height"));
  const m = { l: 46, r: 8, t: 8, b: 30 };
  const ty = (v) => (log ? Math.log10(Math.max(v, 1e-12)) : v);
  const [ly0, ly1] = [ty(y0), ty(y1)];
  const x = (v) => m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const y = (v) => {
    const p = m.t + (1 - (ty(v) - ly0) / (ly1 - ly0)) * (h - m.t - m.b);
    return Math.min(h - m.b + 2, Math.max(m.t - 2, p)); // clip what runs off (±∞)
  };
  const axis = el("g", { class: "axis" }, svg);
  for (let i = 0; i <= ticks; i++) {
    const vx = x0 + ((x1 - x0) * i) / ticks;
    el("line", { x1: x(vx), x2: x(vx), y1: m.t, y2: h - m.b, class: "grid" }, axis);
    el("text", { x: x(vx), y: h - m.b + 13, "text-anchor": "middle" }, axis).textContent = round(vx);
    const vy = log ? 10 ** (ly0 + ((ly1 - ly0) * i) / ticks) : y0 + ((y1 - y0) * i) / ticks;
    el("line", { x1: m.l, x2: w - m.r, y1: y(vy), y2: y(vy), class: vy === 0 ? "zero" : "grid" }, axis);
    el("text", { x: m.l - 4, y: y(vy) + 4, "text-anchor": "end" }, axis).textContent = round(vy);
  }
  el("text", { x: (m.l + w - m.r) / 2, y: h - 2, "text-anchor": "middle", class: "label" }, axis).textContent = xLabel;
  el("text", { x: 10, y: m.t + 4, class: "label", transform: `rotate(-90 10 ${m.t + 4})`, "text-anchor": "end" }, axis)
    .textContent = yLabel;
  return { svg, x, y, w, h, m, x0, x1 };
}

function round(v) {
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 100 || a < 0.01) return v.toExponential(0);
  return String(Number(v.toPrecision(2)));
}

export function line(f, points, attrs) {
  const d = points
    .filter(([, v]) => Number.isFinite(v) || Math.abs(v) === Infinity)
    .map(([u, v], i) => `${i ? "L" : "M"}${f.x(u).toFixed(1)},${f.y(v).toFixed(1)}`)
    .join("");
  return el("path", { d, fill: "none", ...attrs }, f.svg);
}

export function dots(f, points, attrs) {
  const g = el("g", attrs, f.svg);
  for (const [u, v] of points) el("circle", { cx: f.x(u), cy: f.y(v), r: 2.5 }, g);
  return g;
}

// Short vertical ticks along the bottom (a rug) at positions `us`.
export function rug(f, us, attrs, row = 0) {
  const g = el("g", attrs, f.svg);
  const base = f.h - f.m.b - 2 - row * 7;
  for (const u of us) el("line", { x1: f.x(u), x2: f.x(u), y1: base, y2: base - 6 }, g);
  return g;
}
