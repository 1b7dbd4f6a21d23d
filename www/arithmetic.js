// Latent arithmetic (the DCGAN paper's vector arithmetic): A − B + C, each set from the z on
// screen (chosen with the sliders, the directions, the grid or a link), shown beside the three
// it came from; the result loads into the sliders, so every other tool works on it.

import { imageAt } from "./render.js";

const SLOTS = ["a", "b", "c"];
const $ = (id) => document.getElementById(id);

export class ArithmeticPanel {
  constructor(core, { getZ, setZ, onError }) {
    Object.assign(this, { core, getZ, setZ, onError });
    this.root = $("arith");
    this.model = 0;
    for (const slot of SLOTS) $(`arith-set-${slot}`).addEventListener("click", () => this.set(slot).catch(this.onError));
    $("arith-load").addEventListener("click", () => this.setZ(this.result));
  }

  // A new generator: the slots are emptied (a z means another image under another G).
  configure(info) {
    this.model++;
    this.size = info.imageSize;
    this.z = {};
    this.result = null;
    for (const id of [...SLOTS, "result"]) {
      const canvas = $(`arith-${id}`);
      Object.assign(canvas, { width: this.size, height: this.size });
      canvas.getContext("2d").clearRect(0, 0, this.size, this.size);
    }
    $("arith-load").disabled = true;
    this.root.dataset.ready = "false";
  }

  async set(slot) {
    const model = this.model;
    this.z[slot] = Float32Array.from(this.getZ());
    await this.#draw(slot, this.z[slot], model);
    if (!SLOTS.every((s) => this.z[s])) return;
    const result = Float32Array.from(this.core.pure.latentArithmetic(this.z.a, this.z.b, this.z.c));
    this.root.dataset.ready = "false";
    if (!(await this.#draw("result", result, model))) return;
    this.result = result;
    $("arith-load").disabled = false;
    this.root.dataset.ready = "true";
  }

  // G(z) on slot `id`'s canvas; false when a newer request or another model overtook it.
  async #draw(id, z, model) {
    const rgba = await this.core.generate(z, `arith-${id}`);
    if (rgba === null || model !== this.model) return false;
    $(`arith-${id}`).getContext("2d").putImageData(imageAt(rgba, this.size, 0), 0, 0);
    return true;
  }
}
