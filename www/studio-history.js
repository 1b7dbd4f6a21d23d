// The studio's history strip: the sample grid (the same fixed z) every N steps, as thumbnails
// with a scrubber, kept with the run in this browser and exportable as a WebM. The strip holds
// at most MAX_FRAMES: past that it keeps every other frame, so a long run still spans its
// whole history.

import { recordWebm } from "./export.js";

const MAX_FRAMES = 120;
const FPS = 8; // of the exported video
const $ = (id) => document.getElementById(id);

export class HistoryStrip {
  constructor({ onError }) {
    this.onError = onError;
    this.frames = []; // { iteration, bitmap: ImageBitmap, png: Blob | null }
    $("studio-history-scrub").addEventListener("input", () => this.show(Number($("studio-history-scrub").value)));
    $("studio-history-export").addEventListener("click", () => this.export().catch(this.onError));
  }

  /** Whether a grid at `iteration` belongs in the strip (every `every` steps). */
  due(iteration, every) {
    return every > 0 && iteration % every === 0 && this.frames.at(-1)?.iteration !== iteration;
  }

  /** Adds the grid on `canvas`, drawn at `iteration`. A frame the strip already ends on (the
   *  same weights and z) stays as it is, so a person scrubbing the strip is not moved. */
  async add(iteration, canvas) {
    if (this.frames.at(-1)?.iteration === iteration) return;
    const bitmap = await createImageBitmap(canvas);
    this.frames = this.frames.filter((f) => f.iteration < iteration);
    this.frames.push({ iteration, bitmap, png: null });
    if (this.frames.length > MAX_FRAMES) {
      const last = this.frames.at(-1);
      this.frames = this.frames.filter((_, i) => i % 2 === 0);
      if (this.frames.at(-1) !== last) this.frames.push(last);
    }
    this.#draw();
  }

  /** The strip as it stands for `iteration` (a rollback or restore drops later frames). */
  truncate(iteration) {
    this.frames = this.frames.filter((f) => f.iteration <= iteration);
    this.#draw();
  }

  clear() {
    this.frames = [];
    this.#draw();
  }

  /** What a save keeps: `[{ iteration, png: Blob }]`. */
  async saved() {
    for (const f of this.frames) f.png ??= await toPng(f.bitmap);
    return this.frames.map(({ iteration, png }) => ({ iteration, png }));
  }

  async restore(saved = []) {
    this.frames = [];
    for (const { iteration, png } of saved) {
      if (!(png instanceof Blob)) continue;
      this.frames.push({ iteration, png, bitmap: await createImageBitmap(png) });
    }
    this.#draw();
  }

  #draw() {
    const n = this.frames.length;
    const scrub = $("studio-history-scrub");
    Object.assign(scrub, { max: String(Math.max(0, n - 1)), disabled: n === 0 });
    $("studio-history-export").disabled = n < 2;
    $("studio-history").dataset.frames = String(n);
    $("studio-history-stage").dataset.empty = String(n === 0);
    const strip = $("studio-history-strip");
    strip.replaceChildren(...this.frames.map((f, i) => {
      const thumb = document.createElement("canvas");
      Object.assign(thumb, { width: 48, height: 48, title: `step ${f.iteration}` });
      thumb.getContext("2d").drawImage(f.bitmap, 0, 0, 48, 48);
      thumb.addEventListener("click", () => { scrub.value = String(i); this.show(i); });
      return thumb;
    }));
    if (n) {
      scrub.value = String(n - 1);
      this.show(n - 1);
    } else {
      $("studio-history-step").textContent = "no frames yet";
    }
  }

  /** Frame `i` large, with its step. */
  show(i) {
    const f = this.frames[i];
    if (!f) return;
    const view = $("studio-history-view");
    Object.assign(view, { width: f.bitmap.width, height: f.bitmap.height });
    view.getContext("2d").drawImage(f.bitmap, 0, 0);
    $("studio-history-step").textContent = `step ${f.iteration}`;
    view.dataset.iteration = String(f.iteration);
  }

  /** The strip as a WebM, FPS frames a second, each frame labelled with its step. */
  async export() {
    if (this.frames.length < 2) throw new Error("the history needs two frames before it can be a video");
    const { width, height } = this.frames[0].bitmap;
    const scale = Math.max(1, Math.floor(448 / width));
    const canvas = Object.assign(document.createElement("canvas"), { width: width * scale, height: height * scale + 20 });
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    const drawFrame = (f) => {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(f.bitmap, 0, 0, width * scale, height * scale);
      ctx.fillStyle = "#000";
      ctx.font = "14px sans-serif";
      ctx.fillText(`step ${f.iteration}`, 4, canvas.height - 5);
    };
    drawFrame(this.frames[0]);
    let i = 0;
    const timer = setInterval(() => drawFrame(this.frames[Math.min(++i, this.frames.length - 1)]), 1000 / FPS);
    try {
      await recordWebm(canvas, (this.frames.length + 1) * (1000 / FPS), `studio-history-step${this.frames.at(-1).iteration}.webm`);
    } finally {
      clearInterval(timer);
    }
  }
}

function toPng(bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  return canvas.convertToBlob({ type: "image/png" });
}
