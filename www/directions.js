// Named directions in z (SeFa, src/directions.rs): a slider per direction, above the raw ones.
// Each moves z along its direction from where z was when the directions last started from it
// (z = base + Σ amount·direction), and the raw sliders follow; a change made elsewhere (a raw
// slider, the seed, the grid, a link) becomes the new base with every amount back at 0. Each
// has a strip of what it gives from −3 to +3, so a person sees what it does before dragging.

import { imageAt } from "./render.js";

export const COUNT = 5; // directions shown
const STEPS = [-3, -2, -1, 0, 1, 2, 3]; // the strip's amounts
// A raw slider being dragged changes z every frame: the strips (35 images) are redrawn once it
// rests, so they never hold up the image being dragged, which shares their worker.
const REST_MS = 300;
const $ = (id) => document.getElementById(id);

export class DirectionsPanel {
  constructor(core, { getZ, setZ, onError }) {
    Object.assign(this, { core, getZ, setZ, onError });
    this.root = $("directions");
    this.vectors = [];
    this.amounts = [];
    this.base = null;
    this.model = 0;
    this.own = false; // the z now shown came from these sliders
  }

  // A new generator: its directions, fresh sliders at 0, and their strips.
  async configure(info) {
    const model = ++this.model;
    clearTimeout(this.resting);
    this.root.dataset.ready = "false";
    this.size = info.imageSize;
    const found = await this.core.directions(COUNT);
    if (model !== this.model) return;
    this.vectors = found.vectors.map((v) => Float32Array.from(v));
    this.amounts = this.vectors.map(() => 0);
    this.base = Float32Array.from(this.getZ());
    this.#build(found.strengths);
    await this.#strips();
  }

  // z changed: from elsewhere it becomes the new base (the amounts go back to 0).
  changed(z) {
    if (this.own || !this.vectors.length) return;
    this.base = Float32Array.from(z);
    this.amounts = this.amounts.map(() => 0);
    this.rows?.forEach(({ input, value }) => { input.value = "0"; value.textContent = "0.00"; });
    this.root.dataset.ready = "false";
    clearTimeout(this.resting);
    this.resting = setTimeout(() => this.#strips().catch(this.onError), REST_MS);
  }

  #build(strengths) {
    const list = this.root.querySelector(".direction-list");
    const strongest = strengths[0] || 1;
    this.rows = this.vectors.map((_, i) => {
      const row = Object.assign(document.createElement("div"), { className: "direction" });
      const label = Object.assign(document.createElement("label"), { htmlFor: `direction-${i}`, textContent: `SeFa ${i + 1}` });
      label.title = `strength ${(strengths[i] / strongest).toFixed(2)} of the first`;
      const input = Object.assign(document.createElement("input"), { type: "range", id: `direction-${i}`, min: "-3", max: "3", step: "0.05", value: "0" });
      const value = Object.assign(document.createElement("output"), { textContent: "0.00" });
      const strip = Object.assign(document.createElement("div"), { className: "strip" });
      strip.setAttribute("role", "img");
      strip.setAttribute("aria-label", `SeFa ${i + 1} from −3 to +3`);
      const canvases = STEPS.map(() => Object.assign(document.createElement("canvas"), { width: this.size, height: this.size }));
      strip.append(...canvases);
      input.addEventListener("input", () => this.#move(i, Number(input.value)));
      input.addEventListener("change", () => {
        this.root.dataset.ready = "false";
        this.#strips().catch(this.onError);
      });
      row.append(label, input, value, strip);
      return { row, input, value, canvases };
    });
    list.replaceChildren(...this.rows.map((r) => r.row));
  }

  // base + Σ amounts, with direction `except` left out.
  #at(except = -1) {
    const z = Float32Array.from(this.base);
    this.vectors.forEach((v, i) => {
      if (i === except) return;
      for (let k = 0; k < z.length; k++) z[k] += this.amounts[i] * v[k];
    });
    return z;
  }

  #move(i, amount) {
    this.amounts[i] = amount;
    this.rows[i].value.textContent = amount.toFixed(2);
    this.own = true;
    try {
      this.setZ(this.#at());
    } finally {
      this.own = false;
    }
  }

  // Each strip: what its slider gives at −3 … +3, the other directions where they are.
  async #strips() {
    const model = this.model;
    const dim = this.base.length;
    const z = new Float32Array(this.vectors.length * STEPS.length * dim);
    this.vectors.forEach((v, i) => {
      const from = this.#at(i);
      STEPS.forEach((t, j) => {
        const at = ((i * STEPS.length) + j) * dim;
        for (let k = 0; k < dim; k++) z[at + k] = from[k] + t * v[k];
      });
    });
    const rgba = await this.core.generate(this.core.pure.quantizeLatent(z), "directions");
    if (rgba === null || model !== this.model) return; // superseded
    this.rows.forEach(({ canvases }, i) => canvases.forEach((c, j) =>
      c.getContext("2d").putImageData(imageAt(rgba, this.size, i * STEPS.length + j), 0, 0)));
    this.root.dataset.ready = "true";
  }
}
