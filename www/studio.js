// The training studio: one GAN trained in the tab (in the studio worker, www/core.js), from a
// preset and the hyperparameters, on a shipped dataset or an uploaded checkpoint; autosaved in
// this browser (www/store.js), downloadable in the CLI's formats, and openable in the explorer.
// A run that diverges (NaN or ∞ in a loss or a weight) pauses and rolls back to its last good
// snapshot.

import { frame, line, throttled } from "./plot.js";
import { imageAt } from "./render.js";
import { WorkerLost } from "./core.js";
import * as store from "./store.js";

const DATASETS = {
  mnist: "data/mnist/train-10k-images-idx3-ubyte.gz",
  fashion: "data/fashion/train-5k-images-idx3-ubyte.gz",
  emoji: "data/emoji/all-32px-images-idx3-ubyte.gz",
};
// Control → setting, and how its text becomes a value. Bounds come from the core.
const NUMBERS = [["studio-lr-d", "lrD", "lr"], ["studio-lr-g", "lrG", "lr"], ["studio-beta1", "beta1"],
  ["studio-beta2", "beta2"], ["studio-batch", "batchSize"], ["studio-k", "dSteps"], ["studio-m", "gSteps"],
  ["studio-seed", "seed"]];
const CHOICES = [["studio-preset", "preset"], ["studio-cost", "cost"], ["studio-prior", "prior"]];
const CHARTS = [["dLoss", "D loss"], ["gCost", "G cost"], ["dReal", "mean D(x)"], ["dFakeBefore", "mean D(G(z))"]];
const KEPT = ["iteration", "dLoss", "gCost", "dReal", "dFakeBefore"]; // what the curves keep of a step
const AUTOSAVE_STEPS = 100;
const AUTOSAVE_MS = 30_000;
const SAMPLES_EVERY = 10; // steps between two grids while running
const REDRAW_MS = 250;
const SENSIBLE_LR = 0.01; // above it the settings warn (the DCGAN paper's rate is 2e-4)
const $ = (id) => document.getElementById(id);

export class Studio {
  constructor(core, { fetchBytes, onError, onMessage, onExplore }) {
    Object.assign(this, { core, maths: core.maths, fetchBytes, onError, onMessage, onExplore });
    this.limits = this.maths.studioLimits();
    this.bytes = new Map();
    this.run = null; // { dataset, info } of the run in the worker
    this.saved = null; // the last good snapshot: { dataset, iteration, snapshot }
    this.history = [];
    this.running = false;
    this.loop = 0;
    this.epoch = 0; // a reset, restore or rollback overtakes what was in flight
    for (const p of this.limits.presets) {
      $("studio-preset").append(new Option(`${p.id} (${p.imageSize} px, width ${p.width})`, p.id));
    }
    this.#fill(this.maths.studioDefaults());
    for (const [id, key, range] of NUMBERS) Object.assign($(id), { min: this.limits[range ?? key].min, max: this.limits[range ?? key].max });
    Object.assign($("studio-target"), this.limits.targetSteps);
    $("studio-autosave").textContent = `every ${AUTOSAVE_STEPS} steps or ${AUTOSAVE_MS / 1000} s, whichever comes first,`;
    $("studio-play").addEventListener("click", () => (this.running ? this.pause() : this.start()));
    $("studio-step").addEventListener("click", () => this.#guard(() => this.stepOnce()));
    $("studio-reset").addEventListener("click", () => this.#guard(() => this.reset()));
    $("studio-download-run").addEventListener("click", () => this.#guard(() => this.#download("run")));
    $("studio-download-generator").addEventListener("click", () => this.#guard(() => this.#download("generator")));
    $("studio-upload").addEventListener("change", (e) => this.#guard(() => this.upload(e.target)));
    $("studio-explore").addEventListener("click", () => this.#guard(() => this.explore()));
    $("studio-lr-d").addEventListener("input", () => this.#warn());
    $("studio-lr-g").addEventListener("input", () => this.#warn());
    document.addEventListener("visibilitychange", () => this.#visibility());
    core.addEventListener("lost", (e) => this.#lost(e.detail));
    core.addEventListener("recovered", (e) => { if (e.detail.role === "studio") this.#guard(() => this.#recover()); });
    this.drawCharts();
  }

  // ---- settings ----
  #fill(config) {
    for (const [id, key] of NUMBERS) $(id).value = String(config[key]);
    for (const [id, key] of CHOICES) $(id).value = config[key];
    this.#warn();
  }

  #warn() {
    const high = [$("studio-lr-d"), $("studio-lr-g")].some((i) => Number(i.value) > SENSIBLE_LR);
    $("studio-warning").textContent = high
      ? `A learning rate above ${SENSIBLE_LR} is far past DCGAN's 2e-4: expect the run to diverge (it then pauses and rolls back).`
      : "";
  }

  // The controls' values; the core names the first one out of range, and nothing has changed
  // when it throws.
  settings() {
    const o = {};
    for (const [id, key] of NUMBERS) {
      const text = $(id).value.trim();
      o[key] = text === "" ? NaN : Number(text);
      if (!Number.isFinite(o[key])) throw new Error(`“${$(id).value}” is not a number (${$(id).labels[0]?.textContent.trim()}).`);
    }
    for (const [id, key] of CHOICES) o[key] = $(id).value;
    this.maths.validateStudioOptions(o);
    return o;
  }

  target() {
    const t = Number($("studio-target").value);
    const { min, max } = this.limits.targetSteps;
    if (!Number.isInteger(t) || t < min || t > max) throw new Error(`Target steps must be a whole number from ${min} to ${max}; got “${$("studio-target").value}”.`);
    return t;
  }

  async #datasetBytes(name) {
    if (!this.bytes.has(name)) this.bytes.set(name, await this.fetchBytes(DATASETS[name], `Loading the ${name} training images`));
    return this.bytes.get(name);
  }

  // ---- the run ----
  async reset() {
    const options = this.settings(); // a bad value is refused before the run is touched
    this.pause();
    await this.#create(options);
  }

  async #create(options) {
    const epoch = ++this.epoch;
    const dataset = $("studio-dataset").value;
    const info = await this.core.studio.create(dataset, await this.#datasetBytes(dataset), options);
    if (epoch !== this.epoch) return;
    this.run = { dataset, info };
    this.history = [];
    await this.#keep(epoch, { force: true });
    this.#show();
    await this.drawSamples();
  }

  // The run in the worker from `saved` (after a reload, a lost worker, a backend change or a
  // divergence); the curves go back to its step.
  async #restore(saved, epoch) {
    const info = await this.core.studio.restore(saved.dataset, await this.#datasetBytes(saved.dataset), saved.snapshot);
    if (epoch !== this.epoch) return false;
    this.run = { dataset: saved.dataset, info };
    this.saved = saved;
    this.history = this.history.filter((s) => s.iteration <= info.iteration);
    this.#fill(info.config);
    $("studio-dataset").value = saved.dataset;
    this.#show();
    await this.drawSamples();
    return true;
  }

  async #ensureRun() {
    if (this.run) return;
    if (this.saved) await this.#restore(this.saved, ++this.epoch);
    else await this.#create(this.settings());
  }

  async stepOnce() {
    this.pause();
    await this.#ensureRun();
    const epoch = this.epoch;
    if (await this.#step(epoch)) {
      this.#show();
      await this.#autosave(epoch, { force: true });
    }
    await this.drawSamples();
  }

  // One iteration; false when it diverged or something overtook it.
  async #step(epoch) {
    const stats = await this.core.studio.step();
    if (epoch !== this.epoch) return false;
    const values = KEPT.map((k) => stats[k]);
    if (!values.every(Number.isFinite)) {
      const bad = CHARTS.find(([k]) => !Number.isFinite(stats[k]));
      await this.#rollBack(stats.iteration, `its ${bad[1]} is ${stats[bad[0]]}`);
      return false;
    }
    this.history.push(Object.fromEntries(KEPT.map((k) => [k, stats[k]])));
    this.run.info.iteration = stats.iteration;
    return true;
  }

  async start() {
    if (this.running) return;
    const target = this.target();
    const loop = ++this.loop;
    this.running = true;
    $("studio-play").textContent = "Pause training";
    const going = () => this.running && loop === this.loop;
    try {
      await this.#ensureRun();
      const epoch = this.epoch;
      const began = { at: performance.now(), step: this.run.info.iteration };
      while (going() && this.run.info.iteration < target) {
        if (!(await this.#step(epoch))) break;
        this.#show(began, target);
        this.#redraw();
        if (this.run.info.iteration % SAMPLES_EVERY === 0) this.#meanwhile(this.drawSamples());
        await this.#autosave(epoch);
      }
      if (going()) {
        this.pause();
        this.onMessage?.(`The studio reached its target of ${target} steps.`);
      }
      if (epoch === this.epoch) {
        await this.#autosave(epoch, { force: true });
        await this.drawSamples();
      }
    } catch (e) {
      if (!(e instanceof WorkerLost)) this.onError(e);
      if (loop === this.loop) this.pause();
    }
  }

  pause() {
    this.running = false;
    this.loop++;
    $("studio-play").textContent = "Train";
  }

  // ---- keeping it ----
  // Takes a snapshot (the worker refuses one with NaN or ∞ in it) and saves it in this browser.
  async #keep(epoch, { force = false } = {}) {
    let snapshot;
    try {
      snapshot = await this.core.studio.snapshot();
    } catch (e) {
      if (e instanceof WorkerLost || !/diverged/.test(e.message)) throw e;
      await this.#rollBack(this.run.info.iteration, e.message.replace(/^the run has diverged: /, ""));
      return;
    }
    if (epoch !== this.epoch) return;
    this.saved = { dataset: this.run.dataset, iteration: this.run.info.iteration, snapshot };
    this.savedAt = performance.now();
    const record = { ...this.saved, history: this.history, savedAt: Date.now() };
    await store.saveRun(record).catch((e) => { if (force) this.onError(e); });
    $("studio-panel").dataset.saved = String(this.saved.iteration);
  }

  async #autosave(epoch, { force = false } = {}) {
    if (!this.saved) return this.#keep(epoch, { force });
    const due = this.run.info.iteration - this.saved.iteration >= AUTOSAVE_STEPS
      || performance.now() - this.savedAt >= AUTOSAVE_MS;
    if ((force && this.run.info.iteration !== this.saved.iteration) || due) await this.#keep(epoch, { force });
  }

  async #rollBack(at, why) {
    this.pause();
    const epoch = ++this.epoch;
    if (!this.saved) throw new Error(`Training diverged (${why}) before any good snapshot; Reset with a lower learning rate.`);
    if (!(await this.#restore(this.saved, epoch))) return;
    $("studio-panel").dataset.rollbacks = String(Number($("studio-panel").dataset.rollbacks ?? 0) + 1);
    this.onMessage?.(`Training diverged at step ${at} (${why}): paused, and rolled back to the snapshot at step ${this.saved.iteration}. `
      + "With the same settings it diverges again: lower the learning rate and Reset.");
  }

  // Offers the run saved in this browser, if there is one.
  async offerSaved() {
    const record = await store.loadRun().catch(() => null);
    if (!record?.snapshot) return;
    $("studio-resume-text").textContent = `A studio run on ${record.dataset} is saved in this browser at step ${record.iteration} (${new Date(record.savedAt).toLocaleString()}).`;
    $("studio-resume").hidden = false;
    $("studio-resume-yes").onclick = () => this.#guard(async () => {
      $("studio-resume").hidden = true;
      this.pause();
      this.history = record.history ?? [];
      await this.#restore({ dataset: record.dataset, iteration: record.iteration, snapshot: record.snapshot }, ++this.epoch);
      this.savedAt = performance.now();
      $("studio-panel").dataset.saved = String(record.iteration);
      this.drawCharts();
    });
    $("studio-resume-no").onclick = () => this.#guard(async () => {
      $("studio-resume").hidden = true;
      await store.forgetRun();
    });
  }

  async upload(input) {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const max = this.limits.checkpointBytes.max;
    const refuse = (why) => new Error(`The checkpoint ${file.name} was refused: ${why}. The current run is unchanged.`);
    if (file.size > max) throw refuse(`it is ${(file.size / 2 ** 20).toFixed(0)} MB and the studio takes up to ${max / 2 ** 20} MB`);
    const snapshot = new Uint8Array(await file.arrayBuffer());
    const dataset = $("studio-dataset").value;
    const bytes = await this.#datasetBytes(dataset);
    this.pause();
    const epoch = ++this.epoch;
    let info;
    try {
      info = await this.core.studio.restore(dataset, bytes, snapshot);
    } catch (e) {
      if (e instanceof WorkerLost) throw e;
      throw refuse(e.message); // the worker keeps its run: a refused one replaces nothing
    }
    if (epoch !== this.epoch) return;
    this.run = { dataset, info };
    this.history = [];
    this.#fill(info.config);
    this.onMessage?.(`Going on from ${file.name} at step ${info.iteration}`
      + (info.preset ? "." : ` (its architecture, ${info.imageSize} px with widths ${info.gWidth}/${info.dWidth}, is not a preset).`));
    await this.#keep(epoch, { force: true });
    this.#show();
    await this.drawSamples();
  }

  async #download(what) {
    await this.#ensureRun();
    const bytes = what === "run" ? await this.core.studio.snapshot() : await this.core.studio.generator();
    const name = `${what}-${this.run.dataset}-step${this.run.info.iteration}.safetensors`;
    const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(new Blob([bytes])), download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  // The generator as one more model of the explorer, kept in this browser.
  async explore() {
    await this.#ensureRun();
    const name = ($("studio-name").value.trim() || `${this.run.dataset}-step${this.run.info.iteration}`).toLowerCase();
    if (!/^[a-z0-9_-]{1,40}$/.test(name)) throw new Error(`The name “${name}” may hold only a–z, 0–9, - and _ (at most 40).`);
    const weights = await this.core.studio.generator();
    const model = { id: `local:${name}`, name: `${name} (trained here)`, prior: this.run.info.config.prior, bytes: weights, savedAt: Date.now() };
    await store.saveModel(model);
    await this.onExplore(model);
  }

  // ---- events ----
  #visibility() {
    if (document.hidden && this.running) {
      this.resumeWhenVisible = true;
      this.pause();
      $("studio-status").textContent += " · paused while the tab is hidden";
    } else if (!document.hidden && this.resumeWhenVisible) {
      this.resumeWhenVisible = false;
      this.start();
    }
  }

  #lost({ role }) {
    if (role !== "studio") return;
    this.resume ||= this.running;
    this.pause();
    this.epoch++;
    this.run = null;
  }

  async #recover() {
    const resume = this.resume;
    this.resume = false;
    if (!this.saved) return;
    if (!(await this.#restore(this.saved, ++this.epoch))) return;
    this.onMessage?.(`The studio worker stopped; the run was restored from its snapshot at step ${this.saved.iteration}.`);
    if (resume) this.start();
  }

  // The backend is changing: the run is kept (snapshot first) and goes on on the new one.
  async detach() {
    const wasRunning = this.running;
    this.pause();
    if (this.run) await this.#keep(this.epoch).catch(() => {});
    this.epoch++;
    this.run = null;
    return wasRunning;
  }

  // ---- drawing ----
  #show(began, target = Number($("studio-target").value)) {
    const it = this.run?.info.iteration ?? 0;
    const panel = $("studio-panel");
    panel.dataset.iteration = String(it);
    $("studio-progress").value = target > 0 ? Math.min(1, it / target) : 0;
    let text = `Step ${it} of ${target}`;
    if (began && it > began.step) {
      const perSecond = (it - began.step) / ((performance.now() - began.at) / 1000);
      const images = perSecond * this.run.info.config.batchSize * this.run.info.config.dSteps;
      const eta = (target - it) / perSecond;
      text += ` · ${perSecond.toFixed(2)} steps/s · ${images.toFixed(0)} images/s · ETA ${eta < 90 ? `${eta.toFixed(0)} s` : `${(eta / 60).toFixed(1)} min`}`;
    }
    $("studio-status").textContent = text;
    this.drawCharts();
  }

  #redraw = throttled(() => this.drawCharts(), REDRAW_MS);

  drawCharts() {
    const last = this.history.at(-1)?.iteration ?? 0;
    for (const [key, label] of CHARTS) {
      const values = this.history.map((s) => s[key]);
      const f = frame($(`studio-chart-${key}`), { x: [0, Math.max(10, last)], y: [Math.min(0, ...values), Math.max(1, ...values)], yLabel: label, xLabel: "step", ticks: 2 });
      line(f, this.history.map((s) => [s.iteration, s[key]]), { stroke: "#1565c0", "stroke-width": 1.5, "data-run": "studio" }, label);
    }
  }

  async drawSamples() {
    if (!this.run) return;
    const epoch = this.epoch;
    const rgba = await this.core.studio.samples();
    if (epoch !== this.epoch || !rgba) return;
    const size = this.run.info.imageSize;
    const canvas = $("studio-grid");
    canvas.width = canvas.height = 8 * size;
    const ctx = canvas.getContext("2d");
    for (let i = 0; i < 64; i++) ctx.putImageData(imageAt(rgba, size, i), (i % 8) * size, Math.floor(i / 8) * size);
    canvas.dataset.iteration = String(this.run.info.iteration);
  }

  #meanwhile(promise) {
    promise.catch((e) => { if (!(e instanceof WorkerLost)) this.onError(e); });
  }

  async #guard(task) {
    try {
      await task();
    } catch (e) {
      if (!(e instanceof WorkerLost)) this.onError(e);
    }
  }
}
