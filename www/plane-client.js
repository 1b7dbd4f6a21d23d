// @ts-check
// The lab in data space in workers of its own (roles "plane-0", "plane-1": always the CPU
// module, see src/web/plane.rs for why). Where there are two cores the runs are split between
// two workers (run i in worker i mod 2), each built identically from the one set-up, and
// every request goes to both: the runs stay in lockstep, and a request one worker refuses
// (a run diverged) is taken back in the other, so all runs stand at the same iteration.

import { CoreWorker, workerCount } from "./core.js";

/** @typedef {import("./protocol.js").PlaneOptions} PlaneOptions @typedef {import("gan-core").PlaneFrame} PlaneFrame */

export class PlaneClient {
  /** @param {import("./core.js").Core} core */
  constructor(core) {
    this.core = core;
    /** @type {CoreWorker[]} */
    this.workers = [];
    /** @type {CoreWorker[]} the workers holding the current set-up's runs */
    this.active = [];
    // One request at a time, its undo included: an undo must take back that request, not one
    // posted after it.
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve();
  }

  /**
   * `work` once every request before it has settled.
   * @template T @param {() => Promise<T>} work @returns {Promise<T>}
   */
  #serial(work) {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  /** The first worker (what `core.memory("plane-0")` reads). */
  get worker() {
    return this.workers[0] ?? null;
  }

  /** Builds every run of `setup` (the head start included): resolves what does not change. @param {PlaneOptions} setup */
  create(setup) {
    return this.#serial(() => this.#create(setup));
  }

  /** @param {PlaneOptions} setup */
  async #create(setup) {
    const runs = setup.third ? 3 : 2;
    const wanted = Math.min(runs, workerCount("planeWorkers"));
    while (this.workers.length < wanted) this.workers.push(new CoreWorker(this.core, `plane-${this.workers.length}`, "cpu"));
    this.active = this.workers.slice(0, wanted);
    const infos = await Promise.all(this.active.map((w, k) => w.call("planeCreate", {
      setup, keep: [...Array(runs).keys()].filter((i) => i % wanted === k),
    })));
    return { ...infos[0], costs: [...Array(runs).keys()].map((i) => infos[i % wanted].costs[Math.floor(i / wanted)]) };
  }

  /** `iterations` more, then what every run draws. @param {number} iterations */
  step(iterations) {
    return this.#serial(() => this.#all((w) => w.call("planeStep", { iterations })));
  }

  /** The next half of an iteration (D's steps, or G's), then what every run draws. */
  stage() {
    return this.#serial(() => this.#all((w) => w.call("planeStage", {})));
  }

  frame() {
    return this.#serial(async () => this.#merge(await Promise.all(this.active.map((w) => w.call("planeFrame", {})))));
  }

  /** Run `run`'s D(x), logit and arrow at `xy` ([x, y] pairs flattened). @param {number} run @param {Float32Array} xy */
  probe(run, xy) {
    return this.#serial(() => {
      const n = this.active.length;
      return this.active[run % n].call("planeProbe", { run: Math.floor(run / n), xy });
    });
  }

  /** @param {(w: CoreWorker) => Promise<PlaneFrame | null>} request */
  async #all(request) {
    const results = await Promise.allSettled(this.active.map(request));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      // The refusal is what the page is told, whether or not the undo went through (a worker
      // that cannot undo has been lost, and the panel builds the runs again).
      await Promise.allSettled(this.active.filter((_, i) => results[i].status === "fulfilled").map((w) => w.call("planeUndo", {})));
      throw /** @type {PromiseRejectedResult} */ (failed).reason;
    }
    return this.#merge(results.map((r) => /** @type {PromiseFulfilledResult<PlaneFrame>} */ (r).value));
  }

  /** One frame of every run, in the set-up's order, from each worker's. @param {(PlaneFrame | null)[]} frames */
  #merge(frames) {
    if (frames.some((f) => !f)) return null;
    const all = /** @type {PlaneFrame[]} */ (frames), n = all.length;
    const runs = all.reduce((count, f) => count + f.runs.length, 0);
    return { ...all[0], runs: [...Array(runs).keys()].map((i) => all[i % n].runs[Math.floor(i / n)]) };
  }
}
