// Interpolation between two endpoints (lerp or slerp) animated A→B→A, a scrubber for t, a
// prior-preserving random walk, and recording either as WebM.

import { recordWebm, scaled } from "./export.js";

const PERIOD_MS = 3000; // A to B

export class InterpolationPanel {
  constructor(pure, { getZ, setZ, sampleCanvas, onError }) {
    Object.assign(this, { wasm: pure, getZ, setZ, sampleCanvas, onError });
    this.playing = false;
    this.t = 0;
    this.direction = 1;
    this.walkSeed = 1;
    this.play = document.getElementById("play");
    this.scrub = document.getElementById("scrub");
    this.walk = document.getElementById("walk");
    document.getElementById("set-a").addEventListener("click", () => { this.a = Float32Array.from(this.getZ()); });
    document.getElementById("set-b").addEventListener("click", () => { this.b = Float32Array.from(this.getZ()); });
    this.play.addEventListener("click", () => (this.playing ? this.pause() : this.start()));
    this.scrub.addEventListener("input", () => {
      this.t = Number(this.scrub.value);
      this.#show();
    });
    document.getElementById("record").addEventListener("click", () => this.record());
  }

  // New endpoints for a model: A is the current z, B the next seed's.
  configure(prior, dim, seed) {
    this.prior = prior;
    this.a = Float32Array.from(this.getZ());
    this.b = this.wasm.sampleLatent(prior, 1, dim, (seed + 1) % 4294967296);
  }

  mode() {
    return document.querySelector("input[name=interp-mode]:checked").value;
  }

  start() {
    if (this.playing) return; // a second Play must not start a second animation loop
    this.playing = true;
    this.play.textContent = "Pause";
    const loop = (this.loop = (this.loop ?? 0) + 1); // a Pause then Play leaves one loop, this one
    let last = performance.now();
    const frame = (now) => {
      if (!this.playing || loop !== this.loop) return;
      const dt = now - last;
      last = now;
      if (this.walk.checked) {
        this.setZ(this.wasm.randomWalkStep(this.getZ(), this.prior, Math.min(0.1, dt / 500), this.walkSeed++));
      } else {
        this.t += (this.direction * dt) / PERIOD_MS;
        if (this.t >= 1 || this.t <= 0) {
          this.t = Math.min(1, Math.max(0, this.t));
          this.direction = -this.direction;
        }
        this.scrub.value = this.t;
        this.#show();
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() {
    this.playing = false;
    this.play.textContent = "Play";
  }

  #show() {
    try {
      this.setZ(this.wasm.interpolate(this.mode(), this.a, this.b, this.t));
    } catch (e) {
      this.onError(e);
    }
  }

  // Records one A→B→A cycle (or 5 s of random walk) from an upscaled copy of the sample.
  async record() {
    const button = document.getElementById("record");
    const big = scaled(this.sampleCanvas, 8);
    const ctx = big.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    let copying = true;
    const copy = () => {
      ctx.drawImage(this.sampleCanvas, 0, 0, big.width, big.height);
      if (copying) requestAnimationFrame(copy);
    };
    button.disabled = true;
    if (!this.playing) this.start();
    copy();
    try {
      await recordWebm(big, this.walk.checked ? 5000 : 2 * PERIOD_MS, "interpolation.webm");
    } catch (e) {
      this.onError(e);
    } finally {
      copying = false;
      button.disabled = false;
    }
  }
}
