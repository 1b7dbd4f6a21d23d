// The latent explorer: one labelled range input per dimension of z, a seed box, randomize and
// reset, and ‖z‖ against the prior's typical norm.

import { numberOrText } from "./fields.js";

export class LatentPanel {
  constructor(pure, { onChange, onMessage }) {
    this.wasm = pure;
    this.onChange = onChange;
    this.onMessage = onMessage;
    this.fieldset = document.getElementById("sliders");
    this.seedBox = document.getElementById("seed");
    this.inputs = [];
    this.z = new Float32Array(0);
    document.getElementById("randomize").addEventListener("click", () => {
      this.seedBox.value = String(crypto.getRandomValues(new Uint32Array(1))[0]); // seeds are u32
      this.fromSeed();
    });
    document.getElementById("reset").addEventListener("click", () => this.fromSeed());
    this.seedBox.addEventListener("change", () => this.fromSeed());
  }

  // Rebuilds the sliders for a model's prior and latent size.
  configure(prior, dim) {
    this.prior = prior;
    this.dim = dim;
    const [low, high] = this.wasm.sliderRange(prior);
    this.typical = this.wasm.typicalNorm(prior, dim);
    const meter = document.getElementById("norm-meter");
    meter.max = 2 * this.typical;
    meter.low = 0.8 * this.typical;
    meter.high = 1.2 * this.typical;
    meter.optimum = this.typical;
    this.fieldset.querySelectorAll(".slider").forEach((el) => el.remove());
    this.inputs = [];
    for (let i = 0; i < dim; i++) {
      const wrap = Object.assign(document.createElement("div"), { className: "slider" });
      const label = Object.assign(document.createElement("label"), { htmlFor: `z-${i}`, textContent: `z${i}` });
      const input = Object.assign(document.createElement("input"), {
        type: "range", id: `z-${i}`, min: low, max: high, step: 0.05, value: 0,
      });
      input.addEventListener("input", () => {
        const z = Float32Array.from(this.z);
        z[i] = Number(input.value);
        this.z = Float32Array.from(this.wasm.quantizeLatent(z));
        this.#changed();
      });
      wrap.append(label, input);
      this.fieldset.append(wrap);
      this.inputs.push(input);
    }
    this.z = new Float32Array(dim);
  }

  // The seed box's z; an invalid seed is refused by the core, with a message, and nothing
  // changes.
  fromSeed() {
    let seed;
    try {
      seed = this.wasm.readSeed(numberOrText(this.seedBox.value));
    } catch (e) {
      this.onMessage(`Explorer: ${e.message}.`);
      return;
    }
    this.set(this.wasm.sampleLatent(this.prior, 1, this.dim, seed));
  }

  seed() {
    try {
      return this.wasm.readSeed(numberOrText(this.seedBox.value));
    } catch {
      return 0;
    }
  }

  // Values are rounded as a link stores them, so a shared link shows these very pixels.
  set(z) {
    this.z = Float32Array.from(this.wasm.quantizeLatent(z));
    this.z.forEach((v, i) => { this.inputs[i].value = v; });
    this.#changed();
  }

  #changed() {
    const norm = this.wasm.latentNorm(this.z);
    document.getElementById("norm-meter").value = norm;
    document.getElementById("norm").textContent =
      `${norm.toFixed(2)} (typical for the ${this.prior} prior: ${this.typical.toFixed(2)})`;
    this.onChange(this.z);
  }
}
