// @ts-check
// What did G memorise? The 8 training images nearest the image on screen, with their
// distances: in the quality classifier's features where the set has one (MNIST,
// Fashion-MNIST), in pixels otherwise (src/nearest.rs). The set is the model's own: the shipped
// subset for a shipped model, the studio run's images for one trained here.

import { imageAt } from "./render.js";

const K = 8;
const $ = (id) => /** @type {any} */ (document.getElementById(id));

export class NearestPanel {
  /**
   * @param {import("./core.js").Core} core
   * @param {{ data: any, getZ: () => Float32Array, onError: (e: Error) => void }} hooks
   */
  constructor(core, { data, getZ, onError }) {
    Object.assign(this, { core, data, getZ, onError });
    this.model = null;
    this.info = null;
    this.asked = 0;
    $("nearest-find").addEventListener("click", () => this.find().catch((e) => {
      this.#say(`The nearest images could not be found: ${e.message}`);
      this.onError(e);
    }));
  }

  /** A new model: what is shown was another's, so it goes. */
  configure(model, set, info) {
    Object.assign(this, { model, set, info });
    this.asked++;
    $("nearest").replaceChildren();
    $("nearest").dataset.ready = "false";
    this.#say(set ? "" : "This model was not trained in this browser on a set it knows, so its training images are not here to compare with.");
    $("nearest-find").disabled = !set;
  }

  async find() {
    if (!this.set || !this.info) return;
    const asked = ++this.asked;
    const root = $("nearest");
    root.dataset.ready = "false";
    const size = this.info.imageSize;
    const rgba = await this.core.generate(this.core.pure.quantizeLatent(this.getZ()), "nearest");
    if (!rgba || asked !== this.asked) return;
    const classifier = this.data.classifier(this.set);
    const label = this.data.label(this.set);
    const found = await this.core.tools.nearest(this.set, () => this.data.bytes(this.set), classifier, rgba, size, K,
      (fraction) => this.#say(`Measuring the ${label} training images: ${Math.round(100 * fraction)}%…`));
    if (asked !== this.asked) return;
    const { neighbours, images } = found;
    const side = Math.round(Math.sqrt(images.length / neighbours.length / 4));
    root.replaceChildren(...neighbours.map((n, i) => {
      const figure = document.createElement("figure");
      figure.setAttribute("role", "listitem");
      const canvas = Object.assign(document.createElement("canvas"), { width: side, height: side });
      canvas.getContext("2d").putImageData(imageAt(new Uint8ClampedArray(images.buffer), side, i), 0, 0);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `training image ${n.index}, distance ${n.distance.toFixed(2)}`);
      figure.dataset.index = String(n.index);
      figure.dataset.distance = String(n.distance);
      const caption = Object.assign(document.createElement("figcaption"), { textContent: `#${n.index} · ${n.distance.toFixed(2)}` });
      figure.append(canvas, caption);
      return figure;
    }));
    root.dataset.ready = "true";
    this.#say(`The ${K} nearest of the ${label} training images to the image on screen, by ${classifier
      ? "distance in the quality classifier's 128 features" : "distance in pixels (on −1…1)"}. A distance near 0 is a copy.`);
  }

  #say(text) {
    $("nearest-status").textContent = text;
  }
}
