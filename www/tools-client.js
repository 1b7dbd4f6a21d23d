// @ts-check
// The explorer's tools in a worker of their own (role "tools", always the CPU module: see
// src/web/tools.rs for why): directions that sample, the nearest training images, and the
// projection of a drawing into z. Their work takes seconds, so it never runs in the
// generation worker, which keeps drawing while they compute.

import { CoreWorker } from "./core.js";

// Images measured per request while an index is built: small enough that a query or a new
// projection waits a fraction of a second behind one.
const INDEX_CHUNK = 500;
// Projection steps per request: a newer drawing waits at most this many steps.
const PROJECT_STEPS = 10;

export class ToolsClient {
  /** @param {import("./core.js").Core} core */
  constructor(core) {
    this.core = core;
    /** @type {CoreWorker | null} */
    this.worker = null;
    this.projection = 0; // the newest projection's number: an older one stops
  }

  ready() {
    return this.worker ??= new CoreWorker(this.core, "tools", "cpu");
  }

  /**
   * The current generator's directions by `method`: sefa, pca (`count` of each) or classes
   * (`classifier` gives its bytes, `names` its classes).
   * @param {"sefa" | "pca" | "classes"} method @param {number} count @param {string} prior
   * @param {{ classifier: () => Promise<Uint8Array>, names: string[] } | null} labels
   */
  async directions(method, count, prior, labels) {
    const weights = this.core.weights;
    if (!weights) throw new Error("load a generator first");
    if (method !== "classes") return this.ready().call("directions", { weights, method, count, prior });
    if (!labels) throw new Error("this model has no classifier, so it has no class directions");
    const classifier = await labels.classifier();
    return this.ready().call("classDirections", { weights, classifier, names: labels.names, prior });
  }

  /**
   * The `k` training images nearest to `rgba` (one `size`-pixel image) in the set `name`
   * (whose bytes `bytes()` gives), by the classifier's features when `classifier` gives its
   * bytes, else by pixels. The index is built the first time, with progress through `onProgress`.
   * @param {string} name @param {() => Promise<Uint8Array>} bytes
   * @param {(() => Promise<Uint8Array>) | null} classifier
   * @param {Uint8ClampedArray} rgba @param {number} size @param {number} k
   * @param {(fraction: number) => void} onProgress
   */
  async nearest(name, bytes, classifier, rgba, size, k, onProgress) {
    const worker = this.ready();
    const key = `${name}:${classifier ? "features" : "pixels"}`;
    if (!worker.indexes.has(key)) {
      await worker.dataset(name, await bytes());
      const { count } = await worker.call("nearestStart", { key, name, classifier: classifier ? await classifier() : null });
      let remaining = count;
      while (remaining > 0) {
        onProgress(1 - remaining / count);
        ({ remaining } = await worker.call("nearestExtend", { key, chunk: INDEX_CHUNK }));
      }
      worker.indexes.add(key);
    }
    return worker.call("nearestQuery", { key, rgba: new Uint8Array(rgba), size, k });
  }

  /**
   * Projects `rgba` (one image at the generator's size) into z: `onBest` gets each improved
   * candidate; resolves the last answer when `done(answer)` says so, or null when a newer
   * projection started.
   * `encoder` (a file `checkEncoder` accepted) gives the search its first guess.
   * @param {Uint8ClampedArray} rgba @param {string} prior @param {number} seed
   * @param {(answer: any) => void} onBest @param {(answer: any) => boolean} done
   * @param {Uint8Array | null} encoder
   */
  async project(rgba, prior, seed, onBest, done, encoder = null) {
    const weights = this.core.weights;
    if (!weights) throw new Error("load a generator first");
    const mine = ++this.projection;
    const worker = this.ready();
    await worker.call("projectStart", { weights, rgba: new Uint8Array(rgba), prior, seed, encoder });
    for (;;) {
      if (mine !== this.projection) return null;
      const answer = await worker.call("projectStep", { steps: PROJECT_STEPS });
      if (mine !== this.projection) return null;
      if (answer.improved) onBest(answer);
      if (done(answer)) return answer;
    }
  }

  /**
   * Checks an encoder file against the current generator; throws with what is wrong.
   * @param {Uint8Array} encoder
   */
  async checkEncoder(encoder) {
    const weights = this.core.weights;
    if (!weights) throw new Error("load a generator first");
    await this.ready().call("checkEncoder", { weights, encoder });
  }

  /** Stops the running projection (it resolves null at its next step). */
  cancelProjection() {
    this.projection++;
  }

  /**
   * An image file checked and fitted (padded) to `size` pixels, as RGBA; refused with the
   * reason when it is not an image the page can use.
   * @param {File} file @param {number} size
   */
  decodeImage(file, size) {
    return this.ready().call("projectImage", { file, size });
  }
}
