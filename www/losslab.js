// The loss lab: the theory plot (www/theory.js) on the left, and two live runs that differ
// only in the cost (right), their batches overlaid on the theory curves.
// The runs live in the lab's workers (www/core.js): D's head start in the first, then its state,
// taken once, restores both runs. A snapshot of both is kept every few steps, so a worker that
// dies costs at most those steps.

import { numberOrText } from "./fields.js";
import { frame, line, readout, throttled } from "./plot.js";
import { imageAt } from "./render.js";
import { RUNS, TheoryPlot } from "./theory.js";
import { WorkerLost } from "./core.js";

const DATASETS = {
  mnist: "data/mnist/train-10k-images-idx3-ubyte.gz",
  fashion: "data/fashion/train-5k-images-idx3-ubyte.gz",
  emoji: "data/emoji/all-32px-images-idx3-ubyte.gz",
};
const CHARTS = [
  ["gCost", "G cost", false], ["dLoss", "D loss", false], ["dReal", "mean D(x)", false],
  ["dFakeBefore", "mean D(G(z))", false], ["gGradNorm", "‖∇G‖ (log scale)", true],
];
// The page's inputs and the option each sets; their bounds come from the core (labLimits).
const INPUTS = [["lab-lr", "lr"], ["lab-head", "headStart"], ["lab-k", "dSteps"], ["lab-m", "gSteps"]];
const SNAPSHOT_EVERY = 20; // steps between snapshots of both runs
const SAMPLES_EVERY = 5; // steps between sample grids while running
const MAX_LEAD = 4; // most steps one running run may be ahead of the other
const REDRAW_MS = 250; // least time between two redraws of the charts while running
const $ = (id) => document.getElementById(id);

export class LossLab {
  constructor(core, { fetchBytes, onError, onMessage }) {
    Object.assign(this, { core, pure: core.pure, fetchBytes, onError, onMessage });
    this.bytes = new Map();
    this.epoch = 0; // a new build or restore overtakes whatever was in flight
    this.loop = 0;
    this.phase = "idle"; // "idle" → "headStart" → "runs"
    this.saved = null; // { dataset, runs: [{ iteration, bytes }] }, one per run, in RUNS order
    this.history = [[], []];
    this.running = false;
    const defaults = this.pure.labDefaults();
    const limits = this.pure.labLimits();
    for (const [id, key] of INPUTS) {
      Object.assign($(id), { min: limits[key].min, max: limits[key].max, value: defaults[key] });
    }
    this.theory = new TheoryPlot(this.pure, {
      onError,
      batches: () => this.history.map((h) => h.at(-1)?.dFakeBatch.filter(Number.isFinite)), // a diverged run has NaN
    });
    $("lab-run").addEventListener("click", () => (this.running ? this.pause() : this.start()));
    $("lab-step").addEventListener("click", () => this.#guard(() => this.stepOnce()));
    $("lab-reset").addEventListener("click", () => this.#guard(() => this.reset()));
    for (const id of ["lab-dataset", ...INPUTS.map(([id]) => id)]) {
      $(id).addEventListener("change", () => this.#guard(() => this.reset()));
    }
    core.addEventListener("lost", (e) => this.#lost(e.detail));
    core.addEventListener("recovered", (e) => {
      if (e.detail.role.startsWith("lab")) this.#guard(() => this.#recover());
    });
    this.theory.draw();
    readout($("lab-charts"), $("lab-readout"));
    this.drawCharts();
  }

  // ---- live run ----
  // The controls' values; the core names the first one out of range (its limits are the
  // ones the controls show), and nothing has changed when it throws.
  options() {
    // The core names a bad value, its setting and the range (text that is no number included).
    const o = Object.fromEntries(INPUTS.map(([id, key]) => [key, numberOrText($(id).value)]));
    this.pure.validateLabOptions(o);
    return o;
  }

  async reset() {
    const options = this.options(); // a bad value is refused before the run is touched
    this.pause();
    await this.#create(options);
  }

  // The newest creation wins: a Start or Step during a reset waits for it, and a build that
  // was overtaken (settings or backend changed meanwhile) stops.
  #create(options) {
    const epoch = ++this.epoch;
    const p = this.#build(epoch, options).finally(() => { if (this.creating === p) this.creating = null; });
    this.creating = p;
    return p;
  }

  async #ensureLab() {
    if (this.creating) await this.creating;
    if (this.phase !== "runs") await this.#create(this.options());
  }

  async #datasetBytes(name) {
    if (!this.bytes.has(name)) {
      this.bytes.set(name, await this.fetchBytes(DATASETS[name], `Loading the ${name} training images`));
    }
    return this.bytes.get(name);
  }

  async #build(epoch, options) {
    if (!this.core.backend) throw new Error("the model is still loading; try again in a moment");
    const name = $("lab-dataset").value;
    const bytes = await this.#datasetBytes(name);
    if (epoch !== this.epoch) return;
    this.phase = "headStart";
    this.saved = null;
    const lab = this.core.lab;
    let { remaining } = await lab.headStart(name, bytes, options);
    // An overtaken build sends nothing more: the worker holds one head start, the newest.
    if (epoch !== this.epoch) return;
    // The head start runs in pieces so it shows progress and a newer build can overtake it.
    while (remaining > 0) {
      this.#status(`D's head start: ${options.headStart - remaining} of ${options.headStart} steps`);
      ({ remaining } = await lab.advance(10));
      if (epoch !== this.epoch) return;
    }
    const snapshot = await lab.handOver();
    if (epoch !== this.epoch) return;
    const start = { iteration: 0, bytes: snapshot };
    this.saved = { dataset: name, runs: [start, start] };
    this.history = [[], []];
    await this.#restore(epoch);
  }

  // Both runs from their last snapshots (the head start's hand-over, or later ones); each
  // run's chart goes back to its snapshot's step with it.
  async #restore(epoch) {
    const { dataset, runs } = this.saved;
    const bytes = await this.#datasetBytes(dataset);
    await Promise.all(RUNS.map((r, i) => this.core.lab.restore(r.cost, dataset, bytes, runs[i].bytes)));
    if (epoch !== this.epoch) return;
    this.phase = "runs";
    this.history = this.history.map((h, i) => h.slice(0, runs[i].iteration));
    this.#showStep();
    this.drawCharts();
    this.theory.draw();
    await this.drawSamples();
  }

  #lost({ role }) {
    if (!role.startsWith("lab")) return;
    this.resume ||= this.running;
    this.pause();
    this.epoch++; // what was in flight belongs to the lost runs
    this.#status("A lab worker stopped; restarting it…");
  }

  async #recover() {
    const resume = this.resume;
    this.resume = false;
    if (!this.saved) {
      // Lost during the head start: take it again.
      if (this.phase !== "idle") await this.#create(this.options());
      return;
    }
    const epoch = ++this.epoch;
    await this.#restore(epoch);
    if (epoch !== this.epoch) return;
    const steps = [...new Set(this.saved.runs.map((r) => r.iteration))].join(" and ");
    this.onMessage(`A lab worker stopped; both runs were restored from their snapshots at step ${steps}.`);
    if (resume) this.start();
  }

  // The backend changed: the next Start or Step builds the lab on the new engine.
  detach() {
    this.epoch++; // a build in progress is overtaken
    this.pause();
    this.phase = "idle";
    this.saved = null;
    this.history = [[], []];
    this.#showStep();
    this.#status("Not started");
    this.drawCharts();
    $("lab-grids").dataset.empty = "true"; // the old runs' samples are gone with them
    this.theory.draw();
  }

  // The step both runs have reached (while running, one may be up to MAX_LEAD steps ahead).
  #showStep() {
    const step = Math.min(...this.history.map((h) => h.length));
    this.#status(`Step ${step}`);
    $("lab-panel").dataset.iteration = String(step);
    return step;
  }

  // One step of run `i`; false when a reset, detach or restore overtook it.
  async #step(i, epoch) {
    const stats = await this.core.lab.step(RUNS[i].cost);
    if (epoch !== this.epoch) return false;
    this.history[i].push(stats);
    // Neither is awaited: the worker takes the request before the run's next step, so the
    // snapshot is of this step, while the runs go on.
    if (stats.iteration % SNAPSHOT_EVERY === 0) this.#meanwhile(this.#save(i, epoch, stats.iteration));
    const step = this.#showStep();
    this.#redraw();
    if (this.history[i].length === step && step % SAMPLES_EVERY === 0) this.#meanwhile(this.drawSamples());
    this.ticked?.();
    return true;
  }

  async stepOnce() {
    await this.#ensureLab();
    const epoch = this.epoch;
    const done = await Promise.all(RUNS.map((_, i) => this.#step(i, epoch)));
    if (done.every(Boolean)) this.#meanwhile(this.drawSamples());
  }

  // The charts and the theory plot, at most every REDRAW_MS while the runs step on.
  #redraw = throttled(() => {
    this.drawCharts();
    this.theory.draw();
  }, REDRAW_MS);

  #meanwhile(promise) {
    promise.catch((e) => { if (!(e instanceof WorkerLost)) this.onError(e); });
  }

  async #save(i, epoch, iteration) {
    const bytes = await this.core.lab.snapshot(RUNS[i].cost);
    if (epoch !== this.epoch) return;
    this.saved.runs[i] = { iteration, bytes };
  }

  // Each run steps in its own loop (in its own worker where there are two), never more than
  // MAX_LEAD steps ahead of the other, so neither waits on the other's every step.
  async start() {
    if (this.running) return; // a second click while starting must not add a second loop
    const loop = ++this.loop;
    this.running = true;
    $("lab-run").textContent = "Pause";
    $("lab-step").disabled = true;
    const going = () => this.running && loop === this.loop;
    try {
      await this.#ensureLab();
      const epoch = this.epoch;
      await Promise.all(RUNS.map(async (_, i) => {
        while (going()) {
          while (going() && this.history[i].length >= this.history[1 - i].length + MAX_LEAD) {
            await new Promise((r) => { this.ticked = r; });
          }
          if (!going() || !(await this.#step(i, epoch))) return;
        }
      }));
      // Paused: the run behind catches up, so both stop at the same step.
      for (;;) {
        const [a, b] = this.history.map((h) => h.length);
        if (this.running || epoch !== this.epoch || a === b) break;
        if (!(await this.#step(a < b ? 0 : 1, epoch))) break;
      }
    } catch (e) {
      if (!(e instanceof WorkerLost)) this.onError(e); // a lost worker is reported and restored
      if (loop === this.loop) this.pause();
    }
  }

  pause() {
    this.running = false;
    this.loop++;
    this.ticked?.(); // a run waiting for the other stops waiting
    $("lab-run").textContent = "Start";
    $("lab-step").disabled = false;
  }

  drawCharts() {
    const steps = Math.max(10, this.history[0].length);
    const drawn = String(Math.min(...this.history.map((h) => h.length))); // both runs' steps, for tests
    for (const [key, label, log] of CHARTS) {
      const values = this.history.flatMap((h) => h.map((s) => s[key])).filter(Number.isFinite);
      let lo = Math.min(0, ...values), hi = Math.max(1, ...values);
      if (log) [lo, hi] = [Math.min(1e-3, ...values), Math.max(1, ...values)];
      const f = frame($(`chart-${key}`), { x: [0, steps], y: [lo, hi], log, yLabel: label, xLabel: "step", ticks: 2 });
      RUNS.forEach((run, i) => {
        line(f, this.history[i].map((s, j) => [j + 1, s[key]]), { stroke: run.colour, "stroke-width": 1.5, "data-run": run.cost }, label);
      });
      $(`chart-${key}`).dataset.steps = drawn;
    }
    $("lab-charts").dataset.empty = String(this.history.every((h) => h.length === 0));
  }

  async drawSamples() {
    const epoch = this.epoch;
    const grids = await Promise.all(RUNS.map((r) => this.core.lab.samples(r.cost)));
    if (epoch !== this.epoch) return;
    const size = Math.round(Math.sqrt(grids[0].length / 4 / 16));
    RUNS.forEach((run, r) => {
      const canvas = $(`lab-samples-${run.cost}`);
      canvas.width = canvas.height = 4 * size;
      const ctx = canvas.getContext("2d");
      for (let i = 0; i < 16; i++) ctx.putImageData(imageAt(grids[r], size, i), (i % 4) * size, Math.floor(i / 4) * size);
    });
    $("lab-grids").dataset.empty = "false";
  }

  async #guard(task) {
    try {
      await task();
    } catch (e) {
      if (!(e instanceof WorkerLost)) this.onError(e);
    }
  }

  #status(text) {
    $("lab-status").textContent = text;
  }
}
