// Named directions in z (src/directions.rs), by three methods: SeFa (from the weights), PCA of
// G's first features, and "toward" a class (where a classifier exists). A slider per direction,
// above the raw ones. Each moves z along its direction from where z was when the directions last
// started from it (z = base + Σ amount·direction), and the raw sliders follow; a change made
// elsewhere (a raw slider, the seed, the grid) becomes the new base with every amount back at 0.
// Each has a strip of what it gives from −3 to +3, so a person sees what it does before
// dragging. The method and the amounts go into the link (`dir=pca:0=1.5,2=-1`); the link's z
// is the image, so the pixels are the link's whatever the directions are.

import { imageAt } from "./render.js";

export const COUNT = 5; // directions shown by SeFa and PCA (a class method shows every class found)
const STEPS = [-3, -2, -1, 0, 1, 2, 3]; // the strip's amounts
const LIMIT = 3; // a slider's (and a link's) amounts lie in [−LIMIT, LIMIT]
const METHODS = {
  sefa: "The directions in z that change G's first layer most (Shen & Zhou 2021: from the weights alone).",
  pca: "The principal components of G's first features over 1,000 samples, carried back to z (GANSpace, Härkönen et al. 2020).",
  classes: "Toward each class: the normal of a boundary in z fitted to 2,000 samples the classifier labelled.",
};
// A raw slider being dragged changes z every frame: the strips (35 images) are redrawn once it
// rests, so they never hold up the image being dragged, which shares their worker.
const REST_MS = 300;
const $ = (id) => document.getElementById(id);

/**
 * A link's directions (`sefa:0=1.5,2=-1`) → { method, amounts: Map(index → amount) }; a
 * malformed one throws with what is wrong.
 * @param {string} text
 */
export function readDirectionLink(text) {
  const [method, list = "", ...rest] = text.split(":");
  if (!(method in METHODS) || rest.length) throw new Error(`“${text}” is not a method (sefa, pca or classes) followed by :index=amount,…`);
  const amounts = new Map();
  for (const pair of list ? list.split(",") : []) {
    const [index, amount, ...more] = pair.split("=");
    const i = Number(index), a = Number(amount);
    if (more.length || !/^\d{1,2}$/.test(index ?? "")) throw new Error(`“${pair}” is not index=amount with a direction's number (0, 1, …)`);
    if (amount === undefined || amount.trim() === "" || !Number.isFinite(a) || Math.abs(a) > LIMIT) {
      throw new Error(`direction ${i}'s amount must be a number from −${LIMIT} to ${LIMIT}; got “${amount ?? ""}”`);
    }
    amounts.set(i, a);
  }
  return { method, amounts };
}

export class DirectionsPanel {
  constructor(core, { getZ, setZ, onError, onChange }) {
    Object.assign(this, { core, getZ, setZ, onError, onChange });
    this.root = $("directions");
    this.select = $("directions-method");
    this.vectors = [];
    this.amounts = [];
    this.base = null;
    this.model = 0;
    this.own = false; // the z now shown came from these sliders
    this.cache = new WeakMap(); // weights → method → directions
    this.select.addEventListener("change", () => this.#use(this.select.value).catch(this.onError));
  }

  /**
   * A new generator: its directions by the chosen method, fresh sliders at 0, and their
   * strips. `labels` gives its classifier and class names (null: no class directions); `link`
   * is a link's directions, applied to the z on screen (a problem with it is thrown, after the
   * sliders are ready at 0).
   * @param {{ imageSize: number }} info @param {string} prior
   * @param {{ classifier: () => Promise<Uint8Array>, names: string[] } | null} labels
   * @param {string | null} [link]
   */
  async configure(info, prior, labels, link = null) {
    Object.assign(this, { size: info.imageSize, prior, labels });
    this.pending = link; // until applied, the link's directions are what link() answers
    const classes = this.select.querySelector("option[value=classes]");
    classes.disabled = !labels;
    classes.textContent = labels ? "Toward a class" : "Toward a class (this model has no classifier)";
    let wanted = null;
    let problem = null;
    if (link) {
      try {
        wanted = readDirectionLink(link);
        if (wanted.method === "classes" && !labels) throw new Error("this model has no classifier, so it has no class directions");
      } catch (e) {
        problem = e;
        wanted = null;
      }
    }
    if (wanted) this.select.value = wanted.method;
    else if (this.select.value === "classes" && !labels) this.select.value = "sefa";
    await this.#use(this.select.value, wanted?.amounts);
    if (problem) throw new Error(`This link's directions could not be used (${problem.message}).`);
  }

  /** The directions' part of the link (`pca:0=1.5`), or null when every amount is 0. */
  link() {
    if (this.pending) return this.pending;
    const set = this.amounts.map((a, i) => [i, a]).filter(([, a]) => a !== 0);
    if (!set.length) return null;
    return `${this.method}:${set.map(([i, a]) => `${i}=${Number(a.toFixed(2))}`).join(",")}`;
  }

  // Shows `method`'s directions for the current generator, from the z on screen; `amounts`
  // (from a link) sets sliders, the z on screen staying what it is.
  async #use(method, amounts = null) {
    const model = ++this.model;
    clearTimeout(this.resting);
    this.root.dataset.ready = "false";
    this.root.dataset.method = method;
    this.method = method;
    const note = $("directions-note");
    note.textContent = `${METHODS[method]} Computing…`;
    const weights = this.core.weights;
    const known = this.cache.get(weights) ?? new Map();
    this.cache.set(weights, known);
    let found = known.get(method);
    if (!found) {
      found = await this.core.tools.directions(method, COUNT, this.prior, this.labels).catch((e) => {
        if (model === this.model) {
          this.pending = null;
          note.textContent = `${METHODS[method]} They could not be found: ${e.message}`;
        }
        throw e;
      });
      known.set(method, found);
    }
    if (model !== this.model) return;
    this.pending = null;
    note.textContent = `${METHODS[method]} Each moves z from where it is; the strip shows −3 to +3.`;
    this.vectors = found.vectors.map((v) => Float32Array.from(v));
    this.amounts = this.vectors.map(() => 0);
    let problem = null;
    for (const [i, a] of amounts ?? []) {
      if (i < this.vectors.length) this.amounts[i] = a;
      else problem = new Error(`This link's direction ${i} does not exist: ${method} gives ${this.vectors.length} here (0 to ${this.vectors.length - 1}).`);
    }
    if (problem) this.amounts = this.amounts.map(() => 0); // a bad link changes nothing
    // The z on screen is base + Σ amounts: the base is what is left without them.
    this.base = this.#without(Float32Array.from(this.getZ()));
    this.#build(found.strengths, found.names);
    this.onChange?.();
    if (problem) this.onError(problem);
    await this.#strips();
  }

  #without(z) {
    this.vectors.forEach((v, i) => {
      for (let k = 0; k < z.length; k++) z[k] -= this.amounts[i] * v[k];
    });
    return z;
  }

  // z changed: from elsewhere it becomes the new base (the amounts go back to 0).
  changed(z) {
    if (this.own || !this.vectors.length) return;
    this.base = Float32Array.from(z);
    this.amounts = this.amounts.map(() => 0);
    this.rows?.forEach(({ input, value }) => { input.value = "0"; value.textContent = "0.00"; });
    this.onChange?.();
    this.root.dataset.ready = "false";
    clearTimeout(this.resting);
    this.resting = setTimeout(() => this.#strips().catch(this.onError), REST_MS);
  }

  #build(strengths, names) {
    const list = this.root.querySelector(".direction-list");
    const strongest = strengths[0] || 1;
    this.rows = this.vectors.map((_, i) => {
      const row = Object.assign(document.createElement("div"), { className: "direction" });
      const label = Object.assign(document.createElement("label"), { htmlFor: `direction-${i}`, textContent: names[i] });
      label.title = this.method === "classes" ? `its boundary puts ${(100 * strengths[i]).toFixed(1)}% of the samples on their side`
        : `strength ${(strengths[i] / strongest).toFixed(2)} of the first`;
      const amount = this.amounts[i];
      const input = Object.assign(document.createElement("input"), { type: "range", id: `direction-${i}`, min: String(-LIMIT), max: String(LIMIT), step: "0.05", value: String(amount) });
      const value = Object.assign(document.createElement("output"), { textContent: amount.toFixed(2) });
      const strip = Object.assign(document.createElement("div"), { className: "strip" });
      strip.setAttribute("role", "img");
      strip.setAttribute("aria-label", `${names[i]} from −3 to +3`);
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
    this.onChange?.();
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
