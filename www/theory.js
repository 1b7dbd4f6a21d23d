// The loss lab's theory plot: the generator costs and their slopes drawn to true scale from the
// core's closed forms, where the live runs' batches sit on them, and a probe with its tangent.
// The vertical range can be chosen (typed, dragged, wheeled, or fitted to the batches), so the
// true-scale view can reach up to −log D where a batch sits; what stays outside is clipped or
// marked off scale, never drawn where it is not (www/plot.js).

import { MARGIN, frame, line, dots, rug, el, offScale } from "./plot.js";

export const RUNS = [
  { cost: "saturating", name: "saturating (minimax)", colour: "#c8402f", css: "sat" },
  { cost: "non_saturating", name: "non-saturating", colour: "#1f6fb0", css: "ns" },
];
const ML = { cost: "maximum_likelihood", name: "maximum likelihood", colour: "#777", css: "" };
// `equal`: one unit up is as long as one unit across, so slopes look like what they are
// (the tutorial's figure squeezes the vertical axis, and the minimax curve looks flat at 0).
export const MODES = {
  cost: { y: [-1.2, 1.2], equal: true, label: "generator cost J_G (true scale)" },
  squeezed: { y: [-4, 4], label: "generator cost J_G (squeezed, as in the tutorial)" },
  slopeD: { y: [-10, 0], label: "∂J_G / ∂D(G(z))" },
  slopeLogit: { y: [-1.1, 0.1], equal: true, label: "∂J_G / ∂logit (true scale)" },
};
const PLOT_WIDTH = 240; // pixels for one unit across, at most (the svg adds the margins)
const MAX_HEIGHT = 500; // a taller equal-scale range narrows the plot instead (it fits a 900 px window)
const FREE_HEIGHT = 320; // the plot's height where the scale need not be equal
const MAX_RANGE = 1e6; // the furthest a range may reach up or down (a cost of 1e6 is off any run)
const within = (range) => range.every((v) => Math.abs(v) <= MAX_RANGE); // false for NaN
// `range` as the boxes show it (6 significant digits), or null where that cannot be drawn:
// not increasing once rounded, or past ±MAX_RANGE.
const drawable = (range) => {
  const rounded = range.map((v) => Number(v.toPrecision(6)));
  return within(range) && rounded[0] < rounded[1] ? rounded : null;
};
const $ = (id) => document.getElementById(id);

export class TheoryPlot {
  constructor(pure, { onError, batches }) {
    Object.assign(this, { pure, onError, batches });
    this.curves = new Map();
    this.ranges = new Map(); // view → [y0, y1] the person chose
    $("theory-mode").addEventListener("change", () => this.draw());
    $("show-ml").addEventListener("change", () => this.draw());
    $("probe").addEventListener("input", () => this.draw());
    const svg = $("theory");
    svg.addEventListener("mousemove", (e) => this.#hover(e));
    svg.addEventListener("wheel", (e) => this.#wheel(e), { passive: false });
    svg.addEventListener("pointerdown", (e) => this.#drag(e));
    svg.addEventListener("keydown", (e) => this.#key(e));
    for (const id of ["theory-ymin", "theory-ymax"]) $(id).addEventListener("change", () => this.#typed());
    $("theory-fit").addEventListener("click", () => this.fitBatches());
    $("theory-reset").addEventListener("click", () => this.setRange(null));
  }

  view() {
    return $("theory-mode").value;
  }

  range() {
    return this.ranges.get(this.view()) ?? MODES[this.view()].y;
  }

  // A new vertical range for the current view (null: its default); refused unless finite,
  // increasing and within ±MAX_RANGE (past it a span is no longer a finite number), leaving
  // the plot as it was.
  setRange(range) {
    const rounded = range === null ? null : drawable(range);
    if (range !== null && !rounded) {
      throw new Error(`The plot's range must go up from one number to a larger one, each from −${MAX_RANGE.toExponential()} to ${MAX_RANGE.toExponential()}; got ${range.join(" to ")}.`);
    }
    if (range === null) this.ranges.delete(this.view());
    else this.ranges.set(this.view(), rounded);
    this.draw();
  }

  #typed() {
    try {
      const text = ["theory-ymin", "theory-ymax"].map((id) => $(id).value.trim());
      this.setRange(text.map((t) => (t === "" ? NaN : Number(t))));
    } catch (e) {
      this.onError(e);
      this.#showRange();
    }
  }

  // Widens the range to take in every batch's values, with a little room.
  fitBatches() {
    const values = this.#batchPoints().flatMap(({ points }) => points.map(([, v]) => v)).filter(Number.isFinite);
    if (!values.length) return this.onError(new Error("There are no batches to fit yet: start or step the live runs."));
    const [y0, y1] = this.range();
    const lo = Math.min(y0, ...values), hi = Math.max(y1, ...values);
    const pad = 0.05 * (hi - lo);
    this.setRange([lo < y0 ? lo - pad : y0, hi > y1 ? hi + pad : y1]);
  }

  // The wheel zooms the vertical range about the pointer; no page scroll meanwhile.
  #wheel(e) {
    e.preventDefault();
    const f = this.frame;
    const at = this.#valueAt(e.clientY);
    const k = e.deltaY > 0 ? 1.25 : 0.8;
    const [y0, y1] = this.range();
    if (!Number.isFinite(at) || !f) return;
    const next = [at - (at - y0) * k, at + (y1 - at) * k];
    this.#tryRange(next);
  }

  // Dragging (a mouse, a pen or one finger) pans the vertical range; two fingers pinch it.
  #drag(e) {
    if (e.button !== 0) return; // a right click opens a menu, and its release may never come
    this.pointers ??= new Map();
    this.pointers.set(e.pointerId, e.clientY);
    // Each finger that comes down starts the gesture again from where the range is now.
    this.gesture = this.#gesture();
    const move = (m) => {
      if (!this.pointers.has(m.pointerId)) return;
      if (m.pointerType === "mouse" && !m.buttons) return up(m); // released outside the page
      const start = this.gesture;
      this.pointers.set(m.pointerId, m.clientY);
      const [y0, y1] = start.range;
      const ids = [...start.ys.keys()].filter((id) => this.pointers.has(id));
      let next;
      if (ids.length >= 2) {
        const [a, b] = ids;
        const span = Math.abs(this.pointers.get(a) - this.pointers.get(b));
        if (span < 8 || Math.abs(start.ys.get(a) - start.ys.get(b)) < 8) return;
        // Spread apart, the range narrows about the value between the fingers, as much.
        const k = Math.abs(start.ys.get(a) - start.ys.get(b)) / span;
        const mid = start.mid;
        next = [mid - (mid - y0) * k, mid + (y1 - mid) * k];
      } else {
        const id = ids[0] ?? m.pointerId;
        const shift = this.#valueAt(start.ys.get(id) ?? m.clientY, start.range) - this.#valueAt(m.clientY, start.range);
        next = [y0 + shift, y1 + shift];
      }
      this.#tryRange(next);
    };
    const up = (u) => {
      this.pointers.delete(u.pointerId);
      this.gesture = this.#gesture();
      if (this.pointers.size) return;
      removeEventListener("pointermove", move);
      removeEventListener("pointerup", up);
      removeEventListener("pointercancel", up);
    };
    if (this.pointers.size > 1) return; // the first finger's listeners serve both
    addEventListener("pointermove", move);
    addEventListener("pointerup", up);
    addEventListener("pointercancel", up);
  }

  // Where a touch gesture starts from: the range, each finger's y and the value between them.
  #gesture() {
    const ys = new Map(this.pointers);
    const values = [...ys.values()].map((y) => this.#valueAt(y));
    return { range: this.range(), ys, mid: values.reduce((a, v) => a + v, 0) / Math.max(1, values.length) };
  }

  // The keyboard does what the pointer does: ← → move the probe (Shift: by 0.1), ↑ ↓ move the
  // range, + and − zoom it about its middle, 0 resets it.
  #key(e) {
    const [y0, y1] = this.range();
    const span = y1 - y0, mid = (y0 + y1) / 2;
    const probe = (d) => {
      $("probe").value = String(Math.min(1, Math.max(0, Number($("probe").value) + d)).toFixed(2));
      this.draw();
    };
    const step = e.shiftKey ? 0.1 : 0.01;
    const actions = {
      ArrowLeft: () => probe(-step),
      ArrowRight: () => probe(step),
      ArrowUp: () => this.#tryRange([y0 + span / 10, y1 + span / 10]),
      ArrowDown: () => this.#tryRange([y0 - span / 10, y1 - span / 10]),
      "+": () => this.#tryRange([mid - span * 0.4, mid + span * 0.4]),
      "=": () => this.#tryRange([mid - span * 0.4, mid + span * 0.4]),
      "-": () => this.#tryRange([mid - span * 0.625, mid + span * 0.625]),
      0: () => this.setRange(null),
    };
    if (!actions[e.key] || e.ctrlKey || e.metaKey || e.altKey) return; // the browser's own zoom stays
    e.preventDefault();
    actions[e.key]();
  }

  // A range from a gesture or a key, kept only where it can be drawn (else the plot stays).
  #tryRange(next) {
    if (drawable(next)) this.setRange(next); // else as far as it goes
  }

  // The data value at a client y, in the range `[y0, y1]` (default: the current one).
  #valueAt(clientY, [y0, y1] = this.range()) {
    const f = this.frame;
    const box = $("theory").getBoundingClientRect();
    const py = ((clientY - box.top) / box.height) * f.h;
    return y1 - ((py - f.m.t) / (f.h - f.m.t - f.m.b)) * (y1 - y0);
  }

  #hover(e) {
    const f = this.frame;
    const box = $("theory").getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * f.w;
    const d = (px - f.m.l) / (f.x(1) - f.m.l);
    if (d >= 0 && d <= 1) {
      $("probe").value = d.toFixed(2);
      this.draw();
    }
  }

  #mode() {
    return this.view() === "squeezed" ? "cost" : this.view();
  }

  // The closed form sampled at 401 points, once per cost (the plot redraws every step).
  #curve(cost) {
    if (!this.curves.has(cost)) this.curves.set(cost, this.pure.costCurve(cost, 401));
    return this.curves.get(cost);
  }

  // Each run's last batch as points on its curve, in the current view.
  #batchPoints() {
    const mode = this.#mode();
    return this.batches().map((batch, i) => ({
      run: RUNS[i],
      ds: batch ?? [],
      points: (batch ?? []).map((d) => [d, this.pure.costAt(RUNS[i].cost, d)[mode]]),
    }));
  }

  #showRange() {
    const [y0, y1] = this.range();
    $("theory-ymin").value = String(y0);
    $("theory-ymax").value = String(y1);
  }

  draw() {
    const { equal, label } = MODES[this.view()];
    const mode = this.#mode();
    const y = this.range();
    const svg = $("theory");
    // True scale: one unit is as many pixels up as across, narrowing the plot if need be.
    const unit = equal ? Math.min(PLOT_WIDTH, MAX_HEIGHT / (y[1] - y[0])) : PLOT_WIDTH;
    const [across, up] = [MARGIN.l + MARGIN.r, MARGIN.t + MARGIN.b];
    svg.setAttribute("width", String(across + unit));
    svg.setAttribute("height", String(up + (equal ? (y[1] - y[0]) * unit : FREE_HEIGHT)));
    const f = frame(svg, { x: [0, 1], y, xLabel: "D(G(z))", yLabel: label, ticks: 4 });
    this.frame = f;
    this.#showRange();
    const shown = $("show-ml").checked ? [...RUNS, ML] : RUNS;
    for (const c of shown) {
      const pts = this.#curve(c.cost).map((p) => [p.d, p[mode]]);
      line(f, pts, { stroke: c.colour, "stroke-width": 2, "stroke-dasharray": c === ML ? "5 3" : "", "data-cost": c.cost }, c.name);
    }
    // Where the current batches sit: each sample on its run's curve, and a rug per run.
    this.#batchPoints().forEach(({ run, ds, points }, i) => {
      if (!ds.length) return;
      dots(f, points, { fill: run.colour, "data-batch": run.cost }, `${run.name}, a sample of its batch`);
      rug(f, ds, { stroke: run.colour, "data-rug": run.cost }, i);
    });
    const d = Number($("probe").value);
    el("line", { x1: f.x(d), x2: f.x(d), y1: f.m.t, y2: f.h - f.m.b, class: "probe" }, f.svg);
    // The tangent at the probe: its tilt is the slope, at whatever scale the axes have.
    for (const c of shown) {
      const p = this.pure.costAt(c.cost, d);
      const [v, s] = [p[mode], mode === "cost" ? p.slopeD : null];
      if (s === null || !Number.isFinite(v) || !Number.isFinite(s)) continue;
      const h = 0.2 / Math.sqrt(1 + s * s);
      line(f, [[d - h, v - h * s], [d + h, v + h * s]], { stroke: c.colour, "stroke-width": 3, "stroke-opacity": 0.45, class: "tangent" });
    }
    const rows = shown.map((c) => {
      const p = this.pure.costAt(c.cost, d);
      return `<tr data-cost="${c.cost}"><th scope="row" class="${c.css}">${c.name}</th>` +
        `<td>${fmt(p.cost)}</td><td>${fmt(p.slopeD)}</td><td>${fmt(p.slopeLogit)}</td></tr>`;
    });
    $("probe-table").tBodies[0].innerHTML = rows.join("");
    $("probe-value").textContent = d.toFixed(2);
    $("theory-off").textContent = offScale(svg);
  }
}

function fmt(v) {
  if (v === Infinity) return "+∞";
  if (v === -Infinity) return "−∞";
  return v.toFixed(4);
}
