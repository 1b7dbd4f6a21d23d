// @ts-check
// A drawing (or an image) into z: the person draws on a canvas (mouse, touch or pen; brush,
// eraser, undo, clear) or drops an image, and the tools worker searches z for the image G makes
// closest to it (src/invert.rs: Adam on z through G, restarts, a norm term; where the model
// ships an encoder, its guess for the drawing is the first start: src/invert/encoder.rs). The
// best so far is shown as it improves, beside the drawing at G's size and their difference; a
// newer drawing cancels the search; the answer's z goes into the sliders, so every other tool
// works on it.

import { imageAt } from "./render.js";

// When a search stops: good enough (mean squared error per pixel on [−1, 1]), or this many steps.
const GOOD_ERROR = 5e-4;
const MAX_STEPS = 300;
const UNDO_DEPTH = 20;
const SEED = 0; // the restarts' z: a pure function of the seed, so a drawing gives one answer
const $ = (id) => /** @type {any} */ (document.getElementById(id));

export class ProjectPanel {
  /**
   * @param {import("./core.js").Core} core
   * @param {{ setZ: (z: Float32Array) => void, onError: (e: Error) => void }} hooks
   */
  constructor(core, { setZ, onError }) {
    Object.assign(this, { core, setZ, onError });
    this.root = $("project");
    this.canvas = $("project-draw");
    this.ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    /** @type {ImageData[]} */
    this.undo = [];
    this.info = null;
    this.prior = "normal";
    /** @type {(() => Promise<Uint8Array>) | null} the model's encoder file, if it has one */
    this.encoderFile = null;
    /** @type {Promise<Uint8Array | null> | null} that file, checked (null: not usable) */
    this.encoder = null;
    this.encoderProblem = null;
    this.generation = 0;
    this.#clear();
    this.#wire();
  }

  /**
   * A new generator: the canvases at its size, and the drawing projected through it. `encoder`
   * fetches the model's encoder file (the search's first guess), or is null.
   * @param {any} info @param {string} prior @param {(() => Promise<Uint8Array>) | null} encoder
   */
  configure(info, prior, encoder = null) {
    this.info = info;
    this.prior = prior;
    this.encoderFile = encoder;
    this.encoder = null;
    this.encoderProblem = null;
    this.generation++; // a search begun before this stops at its guess
    for (const id of ["project-target", "project-result", "project-diff"]) {
      Object.assign($(id), { width: info.imageSize, height: info.imageSize });
    }
    if (this.root.dataset.state !== "empty") this.project();
  }

  #wire() {
    const c = this.canvas;
    let last = null;
    const at = (e) => {
      const r = c.getBoundingClientRect();
      return { x: (e.clientX - r.left) * (c.width / r.width), y: (e.clientY - r.top) * (c.height / r.height) };
    };
    const width = (e) => Number($("project-brush").value) * (e.pointerType === "pen" && e.pressure > 0 ? 2 * e.pressure : 1);
    c.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      c.setPointerCapture(e.pointerId);
      this.#remember();
      last = at(e);
      this.#line(last, last, width(e));
    });
    c.addEventListener("pointermove", (e) => {
      if (!last) return;
      const next = at(e);
      this.#line(last, next, width(e));
      last = next;
    });
    const end = () => {
      if (!last) return;
      last = null;
      this.root.dataset.state = "drawn";
      this.project();
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("lostpointercapture", end);
    $("project-undo").addEventListener("click", () => {
      const previous = this.undo.pop();
      if (!previous) return;
      this.ctx.putImageData(previous, 0, 0);
      this.project();
    });
    $("project-clear").addEventListener("click", () => {
      this.#remember();
      this.#clear();
    });
    $("project-file").addEventListener("change", (e) => {
      const file = e.target.files?.[0];
      e.target.value = "";
      if (file) this.#image(file);
    });
    c.addEventListener("dragover", (e) => e.preventDefault());
    c.addEventListener("drop", (e) => {
      e.preventDefault();
      const file = e.dataTransfer?.files?.[0];
      if (file) this.#image(file);
    });
  }

  #remember() {
    this.undo.push(this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height));
    if (this.undo.length > UNDO_DEPTH) this.undo.shift();
  }

  #line(a, b, width) {
    const ctx = this.ctx;
    ctx.strokeStyle = $("project-eraser").checked ? "#000" : $("project-colour").value;
    ctx.lineWidth = width;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);
    ctx.stroke();
  }

  #clear() {
    this.core.tools.cancelProjection();
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (const id of ["project-target", "project-result", "project-diff"]) {
      const t = $(id);
      t.getContext("2d").clearRect(0, 0, t.width, t.height);
    }
    this.root.dataset.state = "empty";
    this.#say("Draw on the black square, or drop an image on it: the page searches z for the image G makes closest to it, and loads that z into the sliders.");
  }

  // An image file: checked and fitted in the tools worker, then drawn on the canvas (where it
  // can be drawn over) and projected. A file that cannot be used changes nothing.
  async #image(file) {
    if (!this.info) return;
    try {
      const rgba = await this.core.tools.decodeImage(file, this.info.imageSize);
      const small = new OffscreenCanvas(this.info.imageSize, this.info.imageSize);
      small.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer), this.info.imageSize), 0, 0);
      this.#remember();
      this.ctx.imageSmoothingQuality = "high";
      this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
      this.root.dataset.state = "drawn";
      await this.project();
    } catch (e) {
      this.#say(`“${file.name}” could not be used: ${e.message}. Nothing was changed.`);
      this.onError(new Error(`“${file.name}” could not be used: ${e.message}`));
    }
  }

  /** The drawing at G's size, as RGBA (and shown). */
  #target() {
    const size = this.info.imageSize;
    const small = new OffscreenCanvas(size, size);
    const ctx = /** @type {OffscreenCanvasRenderingContext2D} */ (small.getContext("2d", { willReadFrequently: true }));
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(this.canvas, 0, 0, size, size);
    const image = ctx.getImageData(0, 0, size, size);
    $("project-target").getContext("2d").putImageData(image, 0, 0);
    return image.data;
  }

  /** Searches z for the drawing; resolves when it ends (or a newer one replaced it). */
  async project() {
    if (!this.info) return;
    const target = this.#target();
    if (!target.some((v, i) => i % 4 !== 3 && v > 8)) {
      this.core.tools.cancelProjection();
      this.root.dataset.state = "empty";
      this.#say("The drawing is empty: draw something first. Nothing was changed.");
      return;
    }
    this.root.dataset.state = "working";
    const began = performance.now();
    let first = null;
    this.#say("Searching z…");
    try {
      const generation = this.generation;
      const encoder = await this.#encoder();
      if (generation !== this.generation) return; // another model came: it projects anew
      this.root.dataset.start = encoder ? "encoder" : "prior";
      const answer = await this.core.tools.project(target, this.prior, SEED, (best) => {
        first ??= performance.now() - began;
        this.#show(best, target, began).catch((e) => this.onError(e));
      }, (a) => a.error <= GOOD_ERROR || a.iteration >= MAX_STEPS, encoder);
      if (!answer) return; // a newer drawing took over
      await this.#show(answer, target, began);
      this.setZ(Float32Array.from(answer.z));
      this.root.dataset.state = "done";
      this.root.dataset.error = String(answer.error);
      this.#say(`Found: pixel error ${answer.error.toExponential(2)} (mean squared, on −1…1) after ${answer.iteration} steps, `
        + `${((performance.now() - began) / 1000).toFixed(1)} s (first candidate at ${((first ?? 0) / 1000).toFixed(2)} s). `
        + "Its z is in the sliders now. "
        + (encoder ? "It started from the encoder's guess." : this.encoderProblem ?? "It started from draws from the prior."));
    } catch (e) {
      this.root.dataset.state = "error";
      this.#say(`The search failed: ${e.message}`);
      this.onError(e);
    }
  }

  /**
   * The model's encoder file, fetched and checked once per model; null without a usable one
   * (a failure is said, and tried again at the next search).
   */
  #encoder() {
    const file = this.encoderFile;
    if (!file) return Promise.resolve(null);
    return this.encoder ??= file()
      .then(async (bytes) => { await this.core.tools.checkEncoder(bytes); return bytes; })
      .catch((e) => {
        this.encoderProblem = `This model's encoder could not be used (${e.message}), so it started from draws from the prior.`;
        this.encoder = null;
        return null;
      });
  }

  async #show(best, target, began) {
    const rgba = await this.core.generate(Float32Array.from(best.z), "project");
    if (!rgba) return;
    const size = this.info.imageSize;
    const image = imageAt(rgba, size, 0);
    $("project-result").getContext("2d").putImageData(image, 0, 0);
    const diff = new ImageData(size, size);
    for (let i = 0; i < diff.data.length; i++) diff.data[i] = i % 4 === 3 ? 255 : Math.abs(image.data[i] - target[i]);
    $("project-diff").getContext("2d").putImageData(diff, 0, 0);
    if (this.root.dataset.state === "working") {
      this.#say(`Searching z… best pixel error ${best.error.toExponential(2)} at step ${best.iteration} (${((performance.now() - began) / 1000).toFixed(1)} s)`);
    }
  }

  #say(text) {
    $("project-status").textContent = text;
  }
}
