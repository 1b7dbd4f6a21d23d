// Draws generator output and keeps the page responsive while sliders move: the requests go to
// the generation worker in one lane, so at most one is in flight and only the newest waiting z
// is generated next (an older one resolves null and is not drawn).

export function imageAt(rgba, size, index) {
  const n = size * size * 4;
  return new ImageData(rgba.slice(index * n, (index + 1) * n), size, size);
}

export class Renderer {
  constructor(canvas, core, { onFrame, onError }) {
    Object.assign(this, { canvas, core, onFrame, onError });
    this.ctx = canvas.getContext("2d");
    this.model = 0; // bumped when the model changes: an image of the old size is dropped
    this.done = []; // completion times, for frames per second
    this.frames = 0;
    this.pending = 0; // requests not yet drawn or dropped (canvas[data-pending], for tests)
    canvas.dataset.pending = "0";
  }

  setGenerator({ imageSize }) {
    this.model++;
    this.size = imageSize;
    this.canvas.width = this.canvas.height = imageSize;
  }

  async request(z) {
    const model = this.model;
    const t0 = performance.now();
    this.canvas.dataset.pending = String(++this.pending);
    try {
      const rgba = await this.core.generate(z, "sample");
      if (rgba === null || model !== this.model) return;
      const now = performance.now();
      this.ctx.putImageData(imageAt(rgba, this.size, 0), 0, 0);
      this.done = this.done.filter((t) => now - t < 1000).concat(now);
      this.canvas.dataset.frames = String(++this.frames);
      if (this.frames === 1) performance.mark("first-image"); // bench/first-image.mjs reads it
      this.onFrame({ ms: now - t0, fps: this.done.length, z });
    } catch (e) {
      this.onError(e);
    } finally {
      this.canvas.dataset.pending = String(--this.pending);
    }
  }
}
