// Draws generator output and keeps the page responsive while sliders move: at most one
// generation in flight, and when it lands only the newest requested z is generated next.

export function imageAt(rgba, size, index) {
  const n = size * size * 4;
  return new ImageData(rgba.slice(index * n, (index + 1) * n), size, size);
}

export class Renderer {
  constructor(canvas, { onFrame, onError }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onFrame = onFrame;
    this.onError = onError;
    this.pending = null;
    this.busy = false;
    this.done = []; // completion times, for frames per second
    this.frames = 0;
  }

  setGenerator(generator) {
    this.generator = generator;
    this.canvas.width = this.canvas.height = generator.imageSize;
  }

  request(z) {
    this.pending = Float32Array.from(z);
    if (!this.busy) this.#drain();
  }

  async #drain() {
    this.busy = true;
    while (this.pending) {
      const z = this.pending;
      this.pending = null;
      const t0 = performance.now();
      const generator = this.generator;
      try {
        const rgba = await generator.generate(z);
        // The model changed while this ran: its image has the old size; drop it.
        if (generator !== this.generator) continue;
        const now = performance.now();
        this.ctx.putImageData(imageAt(rgba, generator.imageSize, 0), 0, 0);
        this.done = this.done.filter((t) => now - t < 1000).concat(now);
        this.canvas.dataset.frames = String(++this.frames);
        this.onFrame({ ms: now - t0, fps: this.done.length, z });
      } catch (e) {
        this.onError(e);
      }
    }
    this.busy = false;
  }
}
