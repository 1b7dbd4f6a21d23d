// An 8×8 grid of samples; each is a button, so a click or Enter loads its z into the sliders.

import { imageAt } from "./render.js";
import { savePng, scaled } from "./export.js";

const SIDE = 8;

export class GridPanel {
  constructor(core, { onPick, onError }) {
    this.core = core;
    this.onPick = onPick;
    this.onError = onError;
    this.root = document.getElementById("grid");
    this.seed = 1;
    document.getElementById("new-grid").addEventListener("click", () => {
      this.seed = crypto.getRandomValues(new Uint32Array(1))[0]; // seeds are u32
      this.refresh();
    });
    document.getElementById("export-grid").addEventListener("click", () => this.export());
  }

  configure(prior, dim, info) {
    Object.assign(this, { prior, dim, size: info.imageSize });
    this.model = (this.model ?? 0) + 1;
    this.root.replaceChildren();
    this.canvases = [];
    for (let i = 0; i < SIDE * SIDE; i++) {
      const button = Object.assign(document.createElement("button"), { type: "button" });
      button.setAttribute("aria-label", `Load sample ${i + 1} (row ${Math.floor(i / SIDE) + 1}, column ${(i % SIDE) + 1})`);
      const canvas = Object.assign(document.createElement("canvas"), { width: this.size, height: this.size });
      button.append(canvas);
      button.addEventListener("click", () => this.onPick(this.z.slice(i * dim, (i + 1) * dim)));
      this.root.append(button);
      this.canvases.push(canvas);
    }
  }

  async refresh() {
    try {
      const model = this.model;
      const z = this.core.pure.sampleLatent(this.prior, SIDE * SIDE, this.dim, this.seed);
      const seed = this.seed;
      const rgba = await this.core.generate(z, "grid");
      if (rgba === null || model !== this.model) return; // superseded, or the model changed
      this.z = z;
      this.canvases.forEach((c, i) => c.getContext("2d").putImageData(imageAt(rgba, this.size, i), 0, 0));
      this.root.dataset.seed = String(seed);
    } catch (e) {
      this.onError(e);
    }
  }

  export() {
    const size = this.size, gap = 2;
    const sheet = document.createElement("canvas");
    sheet.width = sheet.height = SIDE * (size + gap) - gap;
    const ctx = sheet.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, sheet.width, sheet.height);
    this.canvases.forEach((c, i) => ctx.drawImage(c, (i % SIDE) * (size + gap), Math.floor(i / SIDE) * (size + gap)));
    savePng(scaled(sheet, 4), `grid-seed-${this.seed}.png`);
  }
}
