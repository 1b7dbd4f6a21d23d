// @ts-check
// The lab in data space: the set-up's controls, the runs' planes side by side (www/plane-view.js
// draws each), their charts, and play / step / slow step / reset. The runs live in the plane
// workers (www/plane-client.js); each request answers what every run draws, so the page shows
// the workers' numbers and nothing of its own.

import { numberOrText } from "./fields.js";
import { frame as plotFrame, line, readout, throttled } from "./plot.js";
import { canvasPoint, drawLegend, drawRun, mapping } from "./plane-view.js";
import { PlanePad } from "./plane-pad.js";
import { download, savePng, startRecording } from "./export.js";

/** @typedef {import("gan-core").PlaneFrame} PlaneFrame @typedef {import("gan-core").PlaneInfo} PlaneInfo */

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
// The set-up's numbers, and the limit (planeLimits) each takes its bounds from.
const NUMBERS = { spread: "spread", samples: "samples", gLayers: "layers", gWidth: "width", lrG: "lr",
  gSteps: "steps", dLayers: "layers", dWidth: "width", lrD: "lr", dSteps: "steps", batchSize: "batchSize",
  headStart: "headStart", seed: null };
const CHOICES = ["shape", "noiseDim", "prior", "gActivation", "dActivation", "optimizer"];
const LAYERS = ["heat", "real", "manifold", "fakes", "arrows"];
const NAMES = { saturating: "saturating", non_saturating: "non-saturating", maximum_likelihood: "maximum likelihood" };
const COLOURS = { saturating: "var(--sat)", non_saturating: "var(--ns)", maximum_likelihood: "#4d8a2a" };
/** The 90th-percentile arrow of the run whose arrows are longest is drawn this many pixels long. */
const ARROW_PX = 36;
/** The pause between the halves of a slow step, so each can be seen (an animation, not a wait). */
const SLOW_MS = 800;
/** Points a chart keeps per run before it thins them. */
const HISTORY_MAX = 4000;
const fmt = (/** @type {number} */ v) => (v === Infinity ? "∞" : Number.isFinite(v) ? String(Number(v.toPrecision(3))) : "NaN");
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

export class PlanePanel {
  /** @param {import("./core.js").Core} core @param {{ onError: (e: Error) => void, onMessage: (text: string) => void }} hooks */
  constructor(core, { onError, onMessage }) {
    Object.assign(this, { core, pure: core.pure, client: core.plane, onError, onMessage });
    this.epoch = 0; // a newer set-up overtakes whatever was in flight
    this.running = false;
    /** @type {object | null} the running play's token */
    this.playing = null;
    this.statusAt = 0;
    /** @type {PlaneInfo | null} */ this.info = null;
    /** @type {PlaneFrame | null} */ this.frame = null;
    /** @type {{ iteration: number, js: number, arrow: number, dLoss: number, gCost: number }[][]} */ this.history = [];
    this.building = null;
    this.recording = null;
    const limits = this.pure.planeLimits();
    for (const [key, limit] of Object.entries(NUMBERS)) {
      if (limit) Object.assign($(`plane-${key}`), { min: limits[limit].min, max: limits[limit].max });
    }
    this.#fill(this.pure.planeDefaults());
    this.pad = new PlanePad($("plane-pad"), limits.view, limits.points.max, (points) => {
      $("plane-count").textContent = `${points.length} point${points.length === 1 ? "" : "s"}`;
      this.#guard(() => this.reset());
    });
    $("plane-shape").addEventListener("change", () => {
      const shape = $("plane-shape").value;
      // A preset comes with its own spread (the core's); a drawing keeps the one shown.
      if (shape !== "drawn") $("plane-spread").value = this.pure.readPlaneSetup({ shape }).spread;
      $("plane-draw").hidden = shape !== "drawn";
      this.#guard(() => this.reset());
    });
    for (const el of $("plane-setup").querySelectorAll("input, select")) {
      if (el.id !== "plane-shape") el.addEventListener("change", () => this.#guard(() => this.reset()));
    }
    for (const layer of LAYERS) $(`plane-show-${layer}`).addEventListener("change", () => this.#redraw());
    $("plane-play").addEventListener("click", () => (this.running ? this.pause() : this.#guard(() => this.play())));
    $("plane-step").addEventListener("click", () => this.#guard(() => this.step()));
    $("plane-slow").addEventListener("click", () => this.#guard(() => this.slowStep()));
    $("plane-reset").addEventListener("click", () => this.#guard(() => this.reset()));
    $("plane-undo").addEventListener("click", () => this.pad.undo());
    $("plane-clear").addEventListener("click", () => this.pad.clear());
    $("plane-png").addEventListener("click", () => this.#guard(() => this.savePng()));
    $("plane-record").addEventListener("click", () => this.#guard(() => this.toggleRecording()));
    drawLegend($("plane-legend"));
    readout($("plane-charts"), $("plane-hover"));
    this.drawCharts = throttled(() => this.#charts(), 250);
    core.addEventListener("recovered", (/** @type {any} */ e) => {
      if (!e.detail.role.startsWith("plane-")) return;
      this.onMessage("A plane worker stopped and was restarted: the runs start again from this set-up.");
      this.#guard(() => this.reset());
    });
    // Built when first seen: a page opened on the explorer starts no plane worker.
    new IntersectionObserver((entries, observer) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      if (!this.info && !this.building) this.#guard(() => this.ready());
    }).observe($("plane-panel"));
  }

  /** @param {Record<string, any>} setup the controls set to `setup` (a whole set-up) */
  #fill(setup) {
    for (const key of [...Object.keys(NUMBERS), ...CHOICES]) $(`plane-${key}`).value = String(setup[key]);
    $("plane-third").checked = setup.third;
    $("plane-draw").hidden = setup.shape !== "drawn";
  }

  /** The set-up the controls hold, read whole by the core (it throws the first reason to refuse it). */
  options() {
    /** @type {Record<string, any>} */
    const o = { third: $("plane-third").checked, points: this.pad.points() };
    for (const key of Object.keys(NUMBERS)) o[key] = numberOrText($(`plane-${key}`).value);
    for (const key of CHOICES) o[key] = key === "noiseDim" ? Number($(`plane-${key}`).value) : $(`plane-${key}`).value;
    return this.pure.readPlaneSetup(o);
  }

  /** The runs of the controls' set-up, built if they are not. */
  async ready() {
    if (this.building) await this.building;
    if (!this.info) await this.reset();
  }

  /** Builds the runs again from the controls (a refused set-up changes nothing). */
  async reset() {
    const setup = this.options();
    this.pause();
    if (this.recording) await this.toggleRecording(); // a video is of one set-up: it is saved as it is
    const epoch = ++this.epoch;
    this.#status(setup.headStart ? `Building the runs: D's head start of ${setup.headStart} steps…` : "Building the runs…");
    const build = (async () => {
      const info = await this.client.create(setup);
      const frame = await this.client.frame();
      return { info, frame };
    })();
    this.building = build;
    try {
      const { info, frame } = await build;
      if (epoch !== this.epoch) return;
      Object.assign(this, { setup, info, history: info.costs.map(() => []) });
      this.#figures(info);
      this.#show(frame);
      $("plane-link").href = `#lab&plane=${this.pure.planeLink(setup)}`;
      this.#status("Ready: iteration 0. Play, Step or Slow step.");
    } finally {
      if (this.building === build) this.building = null;
    }
  }

  async play() {
    if (this.playing) return;
    const token = {}; // this play's: a Pause and a new Play before its request returns start no second loop
    this.#playing(token);
    let epoch = this.epoch;
    try {
      await this.ready();
      epoch = this.epoch;
      if (this.playing !== token) return;
      let next = this.client.step(this.#speed());
      for (;;) {
        const frame = await next;
        if (epoch !== this.epoch || !frame) return;
        next = this.playing === token ? this.client.step(this.#speed()) : null;
        this.#show(frame);
        if (!next) return;
        await nextFrame();
      }
    } catch (e) {
      if (epoch === this.epoch) await this.#refused(e);
    } finally {
      if (this.playing === token) this.pause();
    }
  }

  #playing(/** @type {object} */ token) {
    this.playing = token;
    this.running = true;
    $("plane-play").textContent = "Pause";
  }

  pause() {
    this.playing = null;
    this.running = false;
    $("plane-play").textContent = "Play";
  }

  async step() {
    this.pause();
    await this.ready();
    const epoch = this.epoch;
    try {
      const frame = await this.client.step(1);
      if (epoch === this.epoch && frame) this.#show(frame);
    } catch (e) {
      if (epoch === this.epoch) await this.#refused(e);
    }
  }

  /** One iteration in its two halves, each drawn: D's update, then G's. */
  async slowStep() {
    this.pause();
    await this.ready();
    const epoch = this.epoch;
    try {
      for (let half = 0; half < 2 && epoch === this.epoch; half++) {
        const frame = await this.client.stage();
        if (epoch !== this.epoch || !frame) return;
        this.#show(frame);
        this.#status(frame.next === "generator"
          ? `Iteration ${frame.iteration + 1}, D's update: the heatmap moved; the fakes and their arrows are where they were.`
          : `Iteration ${frame.iteration}, G's update: the fakes moved along their arrows.`);
        if (frame.next === "generator") await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
        else break;
      }
    } catch (e) {
      if (epoch === this.epoch) await this.#refused(e);
    }
  }

  // A run that diverged is already back where it was (the core undid the iteration): say so.
  async #refused(/** @type {any} */ e) {
    this.pause();
    if (e?.kind !== "RunDiverged") throw e;
    const frame = await this.client.frame();
    if (frame) this.#show(frame);
    this.#status(`Paused: ${e.message}`);
    this.onMessage(`Lab in data space: ${e.message}`);
  }

  #speed() {
    return Number($("plane-speed").value);
  }

  /** One figure per run: its plane and a caption. @param {PlaneInfo} info */
  #figures(info) {
    const runs = $("plane-runs");
    runs.replaceChildren(...info.costs.map((cost, i) => {
      const figure = Object.assign(document.createElement("figure"), { className: "plane-run" });
      figure.dataset.cost = cost;
      const canvas = Object.assign(document.createElement("canvas"), { width: 360, height: 360, id: `plane-run-${i}` });
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `The ${NAMES[cost]} run in the plane`);
      canvas.addEventListener("mousemove", (e) => this.#hover(i, canvas, e));
      const caption = document.createElement("figcaption");
      caption.id = `plane-caption-${i}`;
      caption.style.borderTopColor = COLOURS[cost];
      figure.append(canvas, caption);
      return figure;
    }));
  }

  #show(/** @type {PlaneFrame} */ frame) {
    if (!this.info) return;
    this.frame = frame;
    this.#redraw();
    frame.runs.forEach((run, i) => {
      const last = this.history[i].at(-1);
      const point = { iteration: frame.iteration, js: run.divergences.js, arrow: run.meanArrow, dLoss: run.stats.dLoss, gCost: run.stats.gCost };
      const h = this.history[i];
      if (last?.iteration === frame.iteration) h[h.length - 1] = point;
      else h.push(point);
      // Every other point goes once there are many: the charts stay cheap to draw.
      if (h.length > HISTORY_MAX) this.history[i] = h.filter((_, k) => k % 2 === 0 || k === h.length - 1);
    });
    this.drawCharts();
    // While playing, the status (a live region) changes about once a second, not every frame.
    const now = performance.now();
    if (!this.running || now - this.statusAt > 1000) {
      this.statusAt = now;
      this.#status(`Iteration ${frame.iteration}`);
    }
    if (this.recording) this.#compose(this.recording.canvas);
  }

  /** The runs drawn again (the layers shown may have changed). */
  #redraw() {
    const { info, frame } = this;
    if (!info || !frame) return;
    const show = Object.fromEntries(LAYERS.map((l) => [l, $(`plane-show-${l}`).checked]));
    const p90 = frame.runs.map((r) => {
      const lengths = [];
      for (let i = 0; i < r.arrows.length; i += 2) {
        const length = Math.hypot(r.arrows[i], r.arrows[i + 1]);
        if (Number.isFinite(length)) lengths.push(length);
      }
      lengths.sort((a, b) => a - b);
      return lengths[Math.floor(0.9 * (lengths.length - 1))] ?? 0;
    });
    const longest = Math.max(...p90);
    const scale = longest > 0 && Number.isFinite(longest) ? ARROW_PX / longest : 0;
    $("plane-scale").textContent = scale ? `one scale for every run: ${ARROW_PX} px = ‖∇‖ ${fmt(longest)}` : "no arrows yet";
    frame.runs.forEach((run, i) => {
      const marks = drawRun($(`plane-run-${i}`), info, run, scale, /** @type {any} */ (show));
      const d = run.divergences;
      const count = (/** @type {number} */ n, /** @type {string} */ what) => `${n} ${what}${n === 1 ? "" : "s"}`;
      const off = (marks.off.length ? ` · ${count(marks.off.length, "fake")} off the plane (▲ on its edge)` : "")
        + (marks.notFinite ? ` · ${count(marks.notFinite, "fake")} not a number` : "")
        + (marks.realOff ? ` · ${count(marks.realOff, "real sample")} off the plane (▲)` : "");
      $(`plane-caption-${i}`).textContent = `${NAMES[run.cost]}: mean ‖∇‖ ${fmt(run.meanArrow)} · JS ${fmt(d.js)} · KL ${fmt(d.kl)}`
        + ` · modes ${d.modesCovered} of ${d.modes} · D loss ${fmt(run.stats.dLoss)}${off}`;
    });
  }

  #charts() {
    const all = this.history.flat();
    const x = [0, Math.max(1, ...all.map((p) => p.iteration))];
    const series = (/** @type {string} */ id, /** @type {"js" | "arrow" | "dLoss" | "gCost"} */ key, /** @type {string} */ label, log = false) => {
      const values = all.map((p) => p[key]).filter((v) => Number.isFinite(v) && (!log || v > 0));
      let y = key === "js" ? [0, Math.log(2)] : [Math.min(...values), Math.max(...values)];
      if (!values.length) y = log ? [1e-3, 1] : [0, 1];
      if (!(y[1] > y[0])) y = log ? [y[0] / 2, y[0] * 2] : [y[0] - 1, y[0] + 1];
      const f = plotFrame($(id), { x, y, log, xLabel: "iteration", yLabel: label, ticks: 4 });
      // NaN is "none yet" (G's cost before G's first step): not a value, so not drawn.
      this.history.forEach((h, i) => line(f, h.filter((p) => !Number.isNaN(p[key])).map((p) => [p.iteration, p[key]]),
        { stroke: COLOURS[this.info?.costs[i] ?? "saturating"], "stroke-width": 1.5, "data-run": this.info?.costs[i] ?? "" }, label));
    };
    series("plane-chart-js", "js", "JS divergence (nats)");
    series("plane-chart-arrow", "arrow", "mean arrow ‖∇ₓJ_G‖", true);
    series("plane-chart-dLoss", "dLoss", "D loss");
    series("plane-chart-gCost", "gCost", "G cost (each run's own)");
  }

  #hover(/** @type {number} */ i, /** @type {HTMLCanvasElement} */ canvas, /** @type {MouseEvent} */ e) {
    const run = this.frame?.runs[i];
    if (!run || !this.info) return;
    const [u, v] = canvasPoint(canvas, e);
    const m = mapping(canvas, this.info.view);
    const marks = /** @type {any} */ (canvas).marks;
    const near = [...marks.points, ...marks.dots].map(([k, pu, pv]) => [k, Math.hypot(pu - u, pv - v)]).sort((a, b) => a[1] - b[1])[0];
    if (near && near[1] <= 6) {
      const k = near[0];
      const g = Math.hypot(run.arrows[2 * k], run.arrows[2 * k + 1]);
      $("plane-hover").textContent = `${NAMES[run.cost]}, fake at (${fmt(run.fakes[2 * k])}, ${fmt(run.fakes[2 * k + 1])}): `
        + `D = ${fmt(run.dFakes[k])}, arrow −∇ₓJ_G = (${fmt(run.arrows[2 * k])}, ${fmt(run.arrows[2 * k + 1])}), ‖∇‖ ${fmt(g)}`;
      return;
    }
    const cells = this.info.heatCells;
    const cell = (/** @type {number} */ p) => Math.min(cells - 1, Math.max(0, Math.floor((p / m.size) * cells)));
    const [col, row] = [cell(u), cell(v)];
    const d = run.heat[row * cells + col];
    $("plane-hover").textContent = `${NAMES[run.cost]}: D = ${fmt(d)} in the cell at (${fmt(m.x(u))}, ${fmt(m.y(v))})`;
  }

  /** Every run side by side with its caption, on `out` (what a PNG or a video shows). @param {HTMLCanvasElement} out */
  #compose(out) {
    const canvases = [...document.querySelectorAll("#plane-runs canvas")].map((c) => /** @type {HTMLCanvasElement} */ (c));
    const size = canvases[0]?.width ?? 360, gap = 8, text = 44;
    out.width = canvases.length * (size + gap) - gap;
    out.height = size + text;
    const ctx = /** @type {CanvasRenderingContext2D} */ (out.getContext("2d"));
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = "#222";
    ctx.font = "12px sans-serif";
    canvases.forEach((c, i) => {
      const x = i * (size + gap);
      ctx.drawImage(c, x, 0);
      const caption = $(`plane-caption-${i}`).textContent.split(" · ");
      ctx.fillText(`${caption.slice(0, 3).join(" · ")}`, x + 2, size + 16, size - 4);
      ctx.fillText(`${caption.slice(3).join(" · ")} · iteration ${this.frame?.iteration ?? 0}`, x + 2, size + 34, size - 4);
    });
    return out;
  }

  savePng() {
    if (!this.frame) throw new Error("nothing is drawn yet");
    savePng(this.#compose(document.createElement("canvas")), `plane-${this.setup.shape}-${this.frame.iteration}.png`);
  }

  async toggleRecording() {
    if (this.recording) {
      const { recorder } = this.recording;
      this.recording = null;
      $("plane-record").textContent = "Record WebM";
      download(await recorder.stop(), `plane-${this.setup.shape}.webm`);
      return;
    }
    await this.ready();
    const canvas = this.#compose(document.createElement("canvas"));
    this.recording = { canvas, recorder: startRecording(canvas) };
    $("plane-record").textContent = "Stop and save";
  }

  /**
   * Applies a link's `plane=` set-up: the controls take it and the runs are built; a link that
   * cannot be read is said and changes nothing. False when `hash` holds no set-up.
   * @param {string} hash
   */
  applyLink(hash) {
    const value = hash.replace(/^#/, "").split("&").find((p) => p.startsWith("plane="))?.slice("plane=".length);
    if (value === undefined) return false;
    let setup;
    try {
      setup = this.pure.planeFromLink(decodeURIComponent(value));
    } catch (e) {
      this.onError(new Error(`this link's set-up cannot be used: ${/** @type {Error} */ (e).message}`));
      return true;
    }
    // The page's own link (Link to this set-up) names what is shown: nothing to build again.
    if (this.info && JSON.stringify(setup) === JSON.stringify(this.setup)) return true;
    this.#fill(setup);
    this.pad.set(setup.shape === "drawn" ? setup.points : []);
    $("plane-count").textContent = `${this.pad.count()} points`;
    this.#guard(() => this.reset());
    return true;
  }

  #status(/** @type {string} */ text) {
    $("plane-status").textContent = text;
  }

  /** Runs `work`, showing what refuses it (a bad setting: nothing has changed). @param {() => Promise<void> | void} work */
  async #guard(work) {
    try {
      await work();
    } catch (e) {
      this.#status(`Not changed: ${/** @type {Error} */ (e).message}`);
      this.onError(/** @type {Error} */ (e));
    }
  }
}
