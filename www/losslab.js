// The loss lab: the generator costs drawn to true scale from the core's closed forms (left),
// and two live runs that differ only in the cost (right), overlaid on the theory curves.

import { frame, line, dots, rug, el } from "./plot.js";
import { imageAt } from "./render.js";

const RUNS = [
  { cost: "saturating", name: "saturating (minimax)", colour: "#c8402f" },
  { cost: "non_saturating", name: "non-saturating", colour: "#1f6fb0" },
];
const ML = { cost: "maximum_likelihood", name: "maximum likelihood", colour: "#777" };
// `equal`: one unit up is as long as one unit across, so slopes look like what they are
// (the tutorial's figure squeezes the vertical axis, and the minimax curve looks flat at 0).
const MODES = {
  cost: { y: [-1.2, 1.2], equal: true, label: "generator cost J_G (true scale)" },
  squeezed: { y: [-4, 4], label: "generator cost J_G (squeezed, as in the tutorial)" },
  slope_d: { y: [-10, 0], label: "∂J_G / ∂D(G(z))" },
  slope_logit: { y: [-1.1, 0.1], equal: true, label: "∂J_G / ∂logit (true scale)" },
};
const PLOT_WIDTH = 206; // the theory plot's x axis, in pixels (the svg adds 54 of margins)
const DATASETS = {
  mnist: "data/mnist/train-10k-images-idx3-ubyte.gz",
  fashion: "data/fashion/train-5k-images-idx3-ubyte.gz",
  emoji: "data/emoji/all-32px-images-idx3-ubyte.gz",
};
const CHARTS = [
  ["g_cost", "G cost", false], ["d_loss", "D loss", false], ["d_real", "mean D(x)", false],
  ["d_fake_before", "mean D(G(z))", false], ["g_grad_norm", "‖∇G‖ (log scale)", true],
];
const $ = (id) => document.getElementById(id);

export class LossLab {
  constructor(wasm, { getEngine, fetchBytes, onError }) {
    Object.assign(this, { wasm, getEngine, fetchBytes, onError });
    this.data = new Map();
    this.epoch = 0;
    this.loop = 0;
    const defaults = wasm.labDefaults();
    $("lab-lr").value = defaults.lr;
    $("lab-head").value = defaults.headStart;
    $("lab-k").value = defaults.dSteps;
    $("lab-m").value = defaults.gSteps;
    this.history = [[], []];
    this.running = false;
    $("theory-mode").addEventListener("change", () => this.drawTheory());
    $("show-ml").addEventListener("change", () => this.drawTheory());
    $("probe").addEventListener("input", () => this.drawTheory());
    $("theory").addEventListener("mousemove", (e) => this.#hover(e));
    $("lab-run").addEventListener("click", () => (this.running ? this.pause() : this.start()));
    $("lab-step").addEventListener("click", () => this.#guard(() => this.stepOnce()));
    $("lab-reset").addEventListener("click", () => this.#guard(() => this.reset()));
    for (const id of ["lab-dataset", "lab-lr", "lab-head", "lab-k", "lab-m"]) {
      $(id).addEventListener("change", () => this.#guard(() => this.reset()));
    }
    this.drawTheory();
    this.drawCharts();
  }

  // ---- theory ----
  drawTheory() {
    const view = $("theory-mode").value;
    const mode = view === "squeezed" ? "cost" : view;
    const { y, equal, label } = MODES[view];
    const svg = $("theory");
    svg.setAttribute("height", String(38 + (equal ? Math.round((y[1] - y[0]) * PLOT_WIDTH) : 300)));
    const f = frame(svg, { x: [0, 1], y, xLabel: "D(G(z))", yLabel: label, ticks: 4 });
    this.theory = f;
    const shown = $("show-ml").checked ? [...RUNS, ML] : RUNS;
    for (const c of shown) {
      const pts = this.wasm.costCurve(c.cost, 401).map((p) => [p.d, p[mode]]);
      line(f, pts, { stroke: c.colour, "stroke-width": 2, "stroke-dasharray": c === ML ? "5 3" : "", "data-cost": c.cost });
    }
    // Where the current batches sit: each sample on its run's curve, and a rug per run.
    const last = this.history.map((h) => h.at(-1));
    RUNS.forEach((run, i) => {
      if (!last[i]) return;
      const batch = last[i].d_fake_batch.filter(Number.isFinite); // a diverged run has NaN
      dots(f, batch.map((d) => [d, this.wasm.costAt(run.cost, d)[mode]]), { fill: run.colour, "data-batch": run.cost });
      rug(f, batch, { stroke: run.colour, "data-rug": run.cost }, i);
    });
    const d = Number($("probe").value);
    el("line", { x1: f.x(d), x2: f.x(d), y1: f.m.t, y2: f.h - f.m.b, class: "probe" }, f.svg);
    // The tangent at the probe: its tilt is the slope, at whatever scale the axes have.
    for (const c of shown) {
      const p = this.wasm.costAt(c.cost, d);
      const [v, s] = [p[mode], mode === "cost" ? p.slope_d : null];
      if (s === null || !Number.isFinite(v) || !Number.isFinite(s)) continue;
      const h = 0.2 / Math.sqrt(1 + s * s);
      line(f, [[d - h, v - h * s], [d + h, v + h * s]], { stroke: c.colour, "stroke-width": 3, "stroke-opacity": 0.45, class: "tangent" });
    }
    const rows = shown.map((c) => {
      const p = this.wasm.costAt(c.cost, d);
      return `<tr data-cost="${c.cost}"><th scope="row" style="color:${c.colour}">${c.name}</th>` +
        `<td>${fmt(p.cost)}</td><td>${fmt(p.slope_d)}</td><td>${fmt(p.slope_logit)}</td></tr>`;
    });
    $("probe-table").tBodies[0].innerHTML = rows.join("");
    $("probe-value").textContent = d.toFixed(2);
  }

  #hover(e) {
    const f = this.theory;
    const box = $("theory").getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * f.w;
    const d = (px - f.m.l) / (f.x(1) - f.m.l);
    if (d >= 0 && d <= 1) {
      $("probe").value = d.toFixed(2);
      this.drawTheory();
    }
  }

  // ---- live run ----
  options() {
    const num = (id) => Number($(id).value);
    const o = { lr: num("lab-lr"), headStart: num("lab-head"), dSteps: num("lab-k"), gSteps: num("lab-m") };
    if (!(o.lr > 0 && o.lr <= 0.1)) throw new Error(`Learning rate must be in (0, 0.1]; got “${$("lab-lr").value}”.`);
    for (const [k, max] of [["headStart", 1000], ["dSteps", 10], ["gSteps", 10]]) {
      if (!Number.isInteger(o[k]) || o[k] < (k === "headStart" ? 0 : 1) || o[k] > max) {
        throw new Error(`${k} must be a whole number up to ${max}; got “${o[k]}”.`);
      }
    }
    return o;
  }

  async reset() {
    this.pause();
    await this.#create();
  }

  // The newest creation wins: a Start or Step during a reset waits for it, and a build that
  // was overtaken (settings or backend changed meanwhile) frees its lab and stops.
  #create() {
    const epoch = ++this.epoch;
    const p = this.#build(epoch).finally(() => { if (this.creating === p) this.creating = null; });
    this.creating = p;
    return p;
  }

  async #ensureLab() {
    if (this.creating) await this.creating;
    if (!this.lab) await this.#create();
  }

  async #build(epoch) {
    const options = this.options(); // a bad value throws before anything changes
    const engine = this.getEngine();
    if (!engine) throw new Error("the model is still loading; try again in a moment");
    const name = $("lab-dataset").value;
    if (!this.data.has(name)) {
      const bytes = await this.fetchBytes(DATASETS[name], `Loading the ${name} training images`);
      this.data.set(name, this.wasm.LabData.decode(bytes));
    }
    if (epoch !== this.epoch) return;
    this.lab?.free();
    this.lab = null;
    const lab = this.wasm.Lab.create(engine, this.data.get(name), options);
    // The head start runs in pieces so the page stays responsive and shows progress.
    for (let left = options.headStart; left > 0;) {
      this.#status(`D's head start: ${options.headStart - left} of ${options.headStart} steps`);
      await new Promise((r) => setTimeout(r, 0));
      if (epoch !== this.epoch) return lab.free();
      left = lab.headStart(10);
    }
    lab.headStart(0);
    this.lab = lab;
    this.history = [[], []];
    this.drawCharts();
    this.drawTheory();
    await this.drawSamples();
    this.#status("Step 0");
  }

  // The backend changed: the next Start or Step builds the lab on the new engine.
  detach() {
    this.epoch++; // a build in progress is overtaken
    this.pause();
    this.lab?.free();
    this.lab = null;
    this.history = [[], []];
    this.#status("Not started");
    this.drawCharts();
    this.drawTheory();
  }

  async stepOnce() {
    await this.#ensureLab();
    const lab = this.lab;
    const stats = await lab.step();
    if (lab !== this.lab) return; // reset or detached while this step ran
    stats.forEach((s, i) => this.history[i].push(s));
    this.#status(`Step ${lab.iteration}`);
    $("lab-panel").dataset.iteration = String(lab.iteration);
    this.drawCharts();
    this.drawTheory();
    if (!this.running || lab.iteration % 5 === 0) await this.drawSamples();
  }

  async start() {
    const loop = ++this.loop; // Pause then Start during a step must not leave two loops
    this.running = true;
    $("lab-run").textContent = "Pause";
    $("lab-step").disabled = true;
    try {
      while (this.running && loop === this.loop) {
        await this.stepOnce();
        await new Promise((r) => requestAnimationFrame(r));
      }
    } catch (e) {
      this.onError(e);
      this.pause();
    }
  }

  pause() {
    this.running = false;
    $("lab-run").textContent = "Start";
    $("lab-step").disabled = false;
  }

  drawCharts() {
    const steps = Math.max(10, this.history[0].length);
    for (const [key, label, log] of CHARTS) {
      const values = this.history.flatMap((h) => h.map((s) => s[key])).filter(Number.isFinite);
      let lo = Math.min(0, ...values), hi = Math.max(1, ...values);
      if (log) [lo, hi] = [Math.min(1e-3, ...values), Math.max(1, ...values)];
      const f = frame($(`chart-${key}`), { x: [0, steps], y: [lo, hi], log, yLabel: label, xLabel: "step", ticks: 2 });
      RUNS.forEach((run, i) => {
        line(f, this.history[i].map((s, j) => [j + 1, s[key]]), { stroke: run.colour, "stroke-width": 1.5, "data-run": run.cost });
      });
    }
  }

  async drawSamples() {
    const lab = this.lab;
    const size = lab.imageSize;
    const rgba = await lab.samples();
    if (lab !== this.lab) return;
    RUNS.forEach((run, r) => {
      const canvas = $(`lab-samples-${run.cost}`);
      canvas.width = canvas.height = 4 * size;
      const ctx = canvas.getContext("2d");
      for (let i = 0; i < 16; i++) ctx.putImageData(imageAt(rgba, size, r * 16 + i), (i % 4) * size, Math.floor(i / 4) * size);
    });
  }

  async #guard(task) {
    try {
      await task();
    } catch (e) {
      this.onError(e);
    }
  }

  #status(text) {
    $("lab-status").textContent = text;
  }
}

function fmt(v) {
  if (v === Infinity) return "+∞";
  if (v === -Infinity) return "−∞";
  return v.toFixed(4);
}
