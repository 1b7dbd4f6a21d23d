// The training studio: one GAN trained in the tab (in the studio worker, www/core.js), from a
// preset and the hyperparameters (www/studio-settings.js), on a shipped dataset or one's own
// images (www/studio-data.js); autosaved in this browser (www/store.js) with its curves, its
// quality measurements and its history strip (www/studio-history.js); downloadable in the
// CLI's formats, and openable in the explorer. A run that diverges (NaN or ∞ in a loss or a
// weight) pauses and rolls back to its last good snapshot; a lost GPU device moves it to the
// CPU from that snapshot.

import { readout, throttled } from "./plot.js";
import { CHARTS, KEPT, drawCharts } from "./studio-charts.js";
import { imageAt } from "./render.js";
import { WorkerLost } from "./core.js";
import * as store from "./store.js";
import { StudioData } from "./studio-data.js";
import { StudioSettings } from "./studio-settings.js";
import { HistoryStrip } from "./studio-history.js";
import { RunKeeper } from "./studio-keep.js";

const AUTOSAVE_STEPS = 100;
const AUTOSAVE_MS = 30_000;
const SAMPLES_EVERY = 10; // steps between two grids while running
const QUALITY_SAMPLES = 500; // per measurement, against as many real images
const REDRAW_MS = 250;
const BATCH_MS = 250; // the most a batch of steps in the worker runs: how long a pause can wait
const $ = (id) => document.getElementById(id);

// A snapshot or a generator the core refused because the run diverged, said as such.
const diverged = (promise) => promise.catch((e) => {
  throw e.kind === "RunDiverged" ? new Error(`the run has diverged (${e.message}): Reset, or resume an earlier run`) : e;
});

export class Studio {
  constructor(core, { fetchBytes, onError, onMessage, onExplore }) {
    Object.assign(this, { core, onMessage, onExplore });
    this.onError = (e) => { if (!(e instanceof WorkerLost)) onError(e); };
    this.data = new StudioData(core, { fetchBytes, onError: this.onError, sizeWanted: () => this.controls.imageSize() });
    this.controls = new StudioSettings(core.pure, { dataset: () => this.data.name });
    this.strip = new HistoryStrip({ onError: this.onError });
    this.keeper = new RunKeeper(); // whose run is saved in this browser
    this.run = null; // { dataset, info } of the run in the worker
    this.saved = null; // the last good snapshot: { dataset, iteration, snapshot }
    this.history = [];
    this.quality = []; // { iteration, classifierScore, frechetDistance, floor, ms, at }
    this.running = false;
    this.loop = 0;
    this.epoch = 0; // a reset, restore or rollback overtakes what was in flight
    $("studio-autosave").textContent = `every ${AUTOSAVE_STEPS} steps or ${AUTOSAVE_MS / 1000} s, whichever comes first,`;
    $("studio-quality-samples").textContent = String(QUALITY_SAMPLES);
    $("studio-play").addEventListener("click", () => (this.running ? this.pause() : this.#guard(() => this.start())));
    $("studio-step").addEventListener("click", () => this.#guard(() => this.stepOnce()));
    $("studio-reset").addEventListener("click", () => this.#guard(() => this.reset()));
    $("studio-measure").addEventListener("click", () => this.#guard(() => this.#measureNow()));
    $("studio-download-run").addEventListener("click", () => this.#guard(() => this.#download("run")));
    $("studio-download-generator").addEventListener("click", () => this.#guard(() => this.#download("generator")));
    $("studio-upload").addEventListener("change", (e) => this.#guard(() => this.upload(e.target)));
    $("studio-explore").addEventListener("click", () => this.#guard(() => this.explore()));
    $("studio-take-over").addEventListener("click", () => this.#guard(async () => {
      this.keeper.overwrite = true;
      if (this.run) await this.#keep(this.epoch, { force: true });
    }));
    document.addEventListener("visibilitychange", () => this.#visibility());
    core.addEventListener("lost", (e) => this.#lost(e.detail));
    core.addEventListener("recovered", (e) => { if (e.detail.role === "studio") this.#guard(() => this.#recover()); });
    readout($("studio-charts"), $("studio-readout"));
    this.drawCharts();
  }

  /** Fills the set-up from a recipe link; null when `hash` holds none. */
  applyRecipe(hash) {
    const result = this.controls.applyRecipe(hash);
    return result;
  }

  // ---- the run ----
  async reset() {
    const options = this.controls.settings(); // a bad value is refused before the run is touched
    this.pause();
    await this.#create(options);
  }

  async #create(options) {
    const epoch = ++this.epoch;
    const dataset = await this.data.forSize(this.data.name, this.controls.imageSize());
    const info = await this.core.studio.create(dataset, await this.data.bytes(dataset), options);
    if (epoch !== this.epoch) return;
    this.run = { dataset, info };
    this.keeper.own();
    this.history = [];
    this.quality = [];
    this.strip.clear();
    await this.data.keep(dataset);
    await this.#keep(epoch, { force: true });
    this.#show();
    await this.drawSamples({ keep: true });
  }

  // The run in the worker from `saved` (after a reload, a lost worker, a backend change or a
  // divergence); the curves, measurements and history go back to its step.
  async #restore(saved, epoch) {
    const info = await this.core.studio.restore(saved.dataset, await this.data.bytes(saved.dataset), saved.snapshot);
    if (epoch !== this.epoch) return false;
    this.run = { dataset: saved.dataset, info };
    this.saved = saved;
    this.history = this.history.filter((s) => s.iteration <= info.iteration);
    this.quality = this.quality.filter((q) => q.iteration <= info.iteration);
    this.strip.truncate(info.iteration);
    this.controls.fill(info.config);
    $("studio-dataset").value = saved.dataset;
    this.#show();
    await this.drawSamples();
    return true;
  }

  async #ensureRun() {
    if (this.run) return;
    if (this.saved) await this.#restore(this.saved, ++this.epoch);
    else await this.#create(this.controls.settings());
  }

  async stepOnce() {
    this.pause();
    await this.#ensureRun();
    await this.#settle();
    const epoch = this.epoch;
    if (await this.#step(epoch)) {
      this.#show();
      await this.#autosave(epoch, { force: true });
    }
    await this.drawSamples();
  }

  // One iteration; false when it diverged or something overtook it.
  async #step(epoch) {
    return this.#record(await this.core.studio.step(), epoch);
  }

  // A step's statistics into the history; false when it diverged (the run is rolled back) or
  // something overtook it.
  async #record(stats, epoch) {
    if (epoch !== this.epoch) return false;
    if (stats.iteration <= this.run.info.iteration) return true; // already kept
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
    const target = this.controls.cadence("studio-target");
    const historyEvery = this.controls.cadence("studio-history-every");
    const measureEvery = this.controls.cadence("studio-measure-every");
    const loop = ++this.loop;
    this.running = true;
    $("studio-play").textContent = "Pause training";
    const going = () => this.running && loop === this.loop;
    try {
      await this.#ensureRun();
      await this.#settle();
      const epoch = this.epoch;
      const began = { at: performance.now(), step: this.run.info.iteration };
      // The worker runs the steps in batches that end where the page has work to do (a grid,
      // a history frame, a measurement, the target), so the loop needs no timer of the page.
      const next = (it, every) => (every > 0 ? (Math.floor(it / every) + 1) * every : Infinity);
      while (going() && this.run.info.iteration < target) {
        const from = this.run.info.iteration;
        const until = Math.min(target, next(from, SAMPLES_EVERY), next(from, historyEvery), next(from, measureEvery));
        const batch = await (this.inflight = this.core.studio.train(until - from, BATCH_MS));
        let ok = batch.length > 0;
        for (const stats of batch) if (!(ok = await this.#record(stats, epoch))) break;
        if (!ok) break;
        const it = this.run.info.iteration;
        this.#show(began, target);
        this.#redraw();
        if (this.strip.due(it, historyEvery)) await this.drawSamples({ keep: true });
        else if (it % SAMPLES_EVERY === 0 && !document.hidden) this.#meanwhile(this.drawSamples());
        if (measureEvery > 0 && it % measureEvery === 0) await this.#measure(epoch);
        await this.#autosave(epoch);
      }
      if (going()) {
        this.pause();
        if (this.run.info.iteration >= target) this.onMessage?.(`The studio reached its target of ${target} steps.`);
      }
      if (epoch === this.epoch) {
        await this.#autosave(epoch, { force: true });
        await this.drawSamples({ keep: true }); // the strip ends where the run stopped
      }
    } catch (e) {
      this.onError(e);
      if (loop === this.loop) this.pause();
    }
  }

  // Waits for a batch of steps the worker may still be running for a loop that was paused: its
  // steps are recorded (by that loop) before anything reads where the run stands.
  async #settle() {
    await this.inflight?.catch(() => {});
  }

  pause() {
    this.running = false;
    this.loop++;
    $("studio-play").textContent = "Train";
  }

  // ---- quality (MNIST and Fashion-MNIST: the classifier score and Fréchet distance) ----
  async #measure(epoch) {
    const classifier = this.data.classifier(this.run.dataset);
    if (!classifier) return;
    const at = this.run.info.iteration;
    const t0 = performance.now();
    const q = await this.core.studio.quality(this.run.dataset, classifier, QUALITY_SAMPLES);
    if (epoch !== this.epoch) return;
    const ms = performance.now() - t0;
    this.quality = this.quality.filter((m) => m.iteration !== at);
    this.quality.push({ iteration: at, classifierScore: q.classifierScore, frechetDistance: q.frechetDistance, floor: q.floor, ms, at: Date.now() });
    $("studio-quality-status").textContent = `At step ${at}: classifier score ${q.classifierScore.toFixed(2)} (of 10), `
      + `Fréchet distance ${q.frechetDistance.toFixed(1)} (real images read ${q.floor.toFixed(1)} here), measured in ${ms.toFixed(0)} ms.`;
    $("studio-panel").dataset.measured = String(at);
    this.drawCharts();
  }

  async #measureNow() {
    this.pause();
    await this.#ensureRun();
    if (!this.data.classifier(this.run.dataset)) throw new Error(`there is no quality classifier for ${this.data.label(this.run.dataset)} (MNIST and Fashion-MNIST have one)`);
    await this.#measure(this.epoch);
  }

  // ---- keeping it ----
  // Takes a snapshot (the worker refuses one with NaN or ∞ in it) and saves it in this browser.
  async #keep(epoch, { force = false } = {}) {
    let snapshot;
    try {
      snapshot = await this.core.studio.snapshot();
    } catch (e) {
      if (e instanceof WorkerLost || e.kind !== "RunDiverged") throw e;
      await this.#rollBack(this.run.info.iteration, e.message);
      return;
    }
    if (epoch !== this.epoch) return;
    this.saved = { dataset: this.run.dataset, iteration: this.run.info.iteration, snapshot };
    this.savedAt = performance.now();
    const record = { ...this.saved, history: this.history, quality: this.quality, frames: await this.strip.saved(), savedAt: Date.now() };
    const kept = await this.keeper.save(record).catch((e) => { if (force) this.onError(e); return false; });
    if (kept) $("studio-panel").dataset.saved = String(this.saved.iteration);
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
    // Another tab may be training it: resuming here then makes a copy, and it is not discarded.
    const live = Boolean(record.runId) && await this.keeper.liveElsewhere(record.runId);
    $("studio-resume-text").textContent = `A studio run on ${this.data.label(record.dataset)} is saved in this browser at step ${record.iteration} (${new Date(record.savedAt).toLocaleString()})`
      + (live ? "; another tab is training it now, so resuming it here makes a copy." : ".");
    $("studio-resume").hidden = false;
    $("studio-resume-no").hidden = live;
    $("studio-resume-yes").onclick = () => this.#guard(async () => {
      $("studio-resume").hidden = true;
      this.pause();
      this.keeper.own(live || !record.runId ? undefined : record.runId);
      this.history = record.history ?? [];
      this.quality = record.quality ?? [];
      await this.strip.restore(record.frames);
      await this.#restore({ dataset: record.dataset, iteration: record.iteration, snapshot: record.snapshot }, ++this.epoch);
      this.savedAt = performance.now();
      $("studio-panel").dataset.saved = String(record.iteration);
      this.drawCharts();
    });
    $("studio-resume-no").onclick = () => this.#guard(async () => {
      $("studio-resume").hidden = true;
      await store.forgetRun();
      await store.keepOnlyDataset(null);
    });
  }

  async upload(input) {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const max = this.controls.limits.checkpointBytes.max;
    const refuse = (why) => new Error(`The checkpoint ${file.name} was refused: ${why}. The current run is unchanged.`);
    if (file.size > max) throw refuse(`it is ${(file.size / 2 ** 20).toFixed(0)} MB and the studio takes up to ${max / 2 ** 20} MB`);
    const snapshot = new Uint8Array(await file.arrayBuffer());
    const dataset = this.data.name;
    const bytes = await this.data.bytes(dataset);
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
    this.keeper.own();
    this.history = [];
    this.quality = [];
    this.strip.clear();
    this.controls.fill(info.config);
    this.onMessage?.(`Going on from ${file.name} at step ${info.iteration}`
      + (info.preset ? "." : ` (its architecture, ${info.imageSize} px with widths ${info.gWidth}/${info.dWidth}, is not a preset).`));
    await this.data.keep(dataset);
    await this.#keep(epoch, { force: true });
    this.#show();
    await this.drawSamples({ keep: true });
  }

  async #download(what) {
    await this.#ensureRun();
    const bytes = await diverged(what === "run" ? this.core.studio.snapshot() : this.core.studio.generator());
    const name = `${what}-${this.data.label(this.run.dataset).replace(/\W+/g, "-")}-step${this.run.info.iteration}.safetensors`;
    const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(new Blob([bytes])), download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  // The generator (G's average, when the run keeps one) as one more model of the explorer,
  // kept in this browser.
  async explore() {
    await this.#ensureRun();
    const fallback = `${this.data.label(this.run.dataset).replace(/\W+/g, "-")}-step${this.run.info.iteration}`;
    const name = ($("studio-name").value.trim() || fallback).toLowerCase();
    if (!/^[a-z0-9_-]{1,40}$/.test(name)) throw new Error(`The name “${name}” may hold only a–z, 0–9, - and _ (at most 40).`);
    const weights = await diverged(this.core.studio.generator());
    const model = { id: `local:${name}`, name: `${name} (trained here)`, prior: this.run.info.config.prior, bytes: weights, dataset: this.run.dataset, savedAt: Date.now() };
    await store.saveModel(model);
    await this.onExplore(model);
  }

  // ---- events ----
  // Training goes on while the tab is hidden unless the person asked for a pause then.
  #visibility() {
    if (document.hidden && this.running && $("studio-hidden-pause").checked) {
      this.resumeWhenVisible = true;
      this.pause();
      $("studio-status").textContent += " · paused while the tab is hidden";
    } else if (!document.hidden && this.resumeWhenVisible) {
      this.resumeWhenVisible = false;
      this.#guard(() => this.start());
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
    if (resume) await this.start();
  }

  // The backend is changing: the run is kept (a snapshot first, unless the device it lives on
  // is lost: then the last snapshot is all there is) and goes on on the new one.
  async detach({ deviceLost = false } = {}) {
    const wasRunning = this.running;
    this.pause();
    if (this.run && !deviceLost) await this.#keep(this.epoch).catch(() => {});
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
    if (this.resumeWhenVisible) text += " · paused while the tab is hidden";
    $("studio-status").textContent = text;
    this.drawCharts();
  }

  #redraw = throttled(() => this.drawCharts(), REDRAW_MS);

  drawCharts() {
    drawCharts(this.history, this.quality);
  }

  // The 8×8 grid from the fixed z; `keep` also adds it to the history strip.
  async drawSamples({ keep = false } = {}) {
    if (!this.run) return;
    const epoch = this.epoch;
    const at = this.run.info.iteration;
    const rgba = await this.core.studio.samples();
    if (epoch !== this.epoch || !rgba) return;
    const size = this.run.info.imageSize;
    const canvas = $("studio-grid");
    canvas.width = canvas.height = 8 * size;
    const ctx = canvas.getContext("2d");
    for (let i = 0; i < 64; i++) ctx.putImageData(imageAt(rgba, size, i), (i % 8) * size, Math.floor(i / 8) * size);
    canvas.dataset.iteration = String(at);
    $("studio-stage").dataset.empty = "false";
    if (keep) await this.strip.add(at, canvas);
  }

  #meanwhile(promise) {
    promise.catch(this.onError);
  }

  async #guard(task) {
    try {
      await task();
    } catch (e) {
      this.onError(e);
    }
  }
}
