// @ts-check
// The one way the page reaches the wasm core. Pure functions (latent maths, the cost curves,
// the lab's limits) run on a main-thread instance of the core; everything with a device, a
// model or a run (engines, generators, the lab) runs in Web Workers, each with its own instance
// of a compiled module: one for generation, so a slider never waits behind a training step
// (and on the CPU backend a second one that takes half of each large batch, such as the grid),
// and one or two for the lab's runs, sized from navigator.hardwareConcurrency.
//
// The core comes as two modules with one API: "cpu" (Burn's CPU backend), which the page
// starts on, and "webgpu" (WebGPU too, about four times the bytes), fetched and compiled the
// first time a worker needs WebGPU. A worker runs the module of its kind.
//
// A request resolves with the worker's answer or rejects with the Rust error's message. A
// request in a lane (e.g. "sample") supersedes the one still waiting in that lane, which then
// resolves null: a dragged slider never queues stale frames. A worker that dies (it holds a Web
// Lock until it ends, however it ends) is reported with a "lost" event and started again; the
// generation worker gets its backend and model back before "recovered" fires.

/** @typedef {import("./protocol.js").Role} Role */
/** @typedef {import("./protocol.js").Ops} Ops */
/** @typedef {import("./protocol.js").Op} Op */
/** @typedef {import("./protocol.js").Backend} Backend */
/** @typedef {import("./protocol.js").LabCost} LabCost */
/** @typedef {"cpu" | "webgpu"} Kind which of the two modules a worker runs */

import { probeWebGpu } from "./backend.js";
import { ToolsClient } from "./tools-client.js";
import { PlaneClient } from "./plane-client.js";

export const BACKENDS = ["auto", "webgpu", "cpu"];

// The core's pure functions the page may call directly (no device, no model).
const PURE = ["quantizeLatent", "encodeLatent", "decodeLatent", "sampleLatent", "sliderRange",
  "typicalNorm", "latentNorm", "latentArithmetic", "interpolate", "randomWalkStep", "costCurve", "costAt",
  "describeGenerator", "generatorFileLimit", "labLimits", "labDefaults", "validateLabOptions", "readManifest",
  "studioLimits", "studioDefaults", "studioRecipe", "validateStudioOptions",
  "planeDefaults", "planeLimits", "readPlaneSetup", "planeLink", "planeFromLink", "ownImageLimits", "readSeed", "readStudioCadence",
  "readUpsample"];

// Workers whose work is always on Burn's CPU backend, whatever the page's backend.
const cpuOnly = (/** @type {string} */ role) => role === "tools" || role.startsWith("plane-");

// A batch of this many images or more is split between the two CPU generation workers; a
// smaller one is not worth a second worker's round trip (a single image takes ~2 ms).
const SPLIT_FROM = 8;

/**
 * How many workers share a kind of work: two where there are two cores, unless the page's
 * URL forces 1 or 2 (`?labWorkers=`, `?generationWorkers=`, for tests and benchmarks).
 * @param {string} param
 */
export function workerCount(param) {
  return forcedWorkers(param) ?? ((navigator.hardwareConcurrency ?? 1) >= 2 ? 2 : 1);
}

/**
 * The worker count the URL's `param` forces: 1 or 2, or null when it forces none.
 * @param {string} param @returns {1 | 2 | null}
 */
export function forcedWorkers(param) {
  const forced = Number(new URLSearchParams(location.search).get(param));
  return forced === 1 || forced === 2 ? forced : null;
}

/**
 * How G upsamples in every worker: the URL's `?upsample=` (for benchmarks) as the core reads
 * it, and what to say when it names no way the core knows (the page then uses its default).
 * @returns {{ upsample: string | null, upsampleProblem: string | null }}
 */
function upsampleChoice(pure) {
  const want = new URLSearchParams(location.search).get("upsample");
  if (want === null) return { upsample: null, upsampleProblem: null };
  try {
    return { upsample: pure.readUpsample(want), upsampleProblem: null };
  } catch (e) {
    return { upsample: null, upsampleProblem: `upsample in the URL: ${e.message}; the page uses transposed.` };
  }
}

// Requests made of any worker and not yet settled (answered, superseded or failed).
let unanswered = 0;

/** A request failed because its worker stopped (it is being started again). */
export class WorkerLost extends Error {}

function coreFiles() {
  const node = document.getElementById("core-files");
  if (!node) throw new Error("the page has no core-files entry (it must be built with trunk)");
  const listed = JSON.parse(node.textContent);
  const url = (file) => new URL(file, document.baseURI).href;
  /** @type {Record<Kind, { js: string, wasm: string }>} */
  const files = { cpu: { js: "", wasm: "" }, webgpu: { js: "", wasm: "" } };
  for (const kind of /** @type {Kind[]} */ (["cpu", "webgpu"])) {
    if (!listed[kind]?.js || !listed[kind]?.wasm) throw new Error(`the page's core-files entry has no ${kind} module (it must be built with trunk)`);
    files[kind] = { js: url(listed[kind].js), wasm: url(listed[kind].wasm) };
  }
  return files;
}

// The smallest module that uses WebAssembly SIMD (one v128 function), the feature the core's
// CPU kernels are built with (`+simd128` in .cargo/config.toml): a browser that cannot
// validate it cannot run either module, and is told so before either is compiled (the page
// preloads the CPU one).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

async function compile(url) {
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not say application/wasm: compile from the bytes instead.
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

export class CoreWorker {
  /** @param {Core} core @param {Role} role @param {Kind} kind */
  constructor(core, role, kind) {
    this.core = core;
    this.role = role;
    this.kind = kind;
    this.spawns = 0;
    this.#spawn();
  }

  #spawn() {
    const spawn = ++this.spawns;
    const lock = `gan-playground:${this.role}:${spawn}:${Math.random().toString(36).slice(2)}`;
    this.worker = new Worker(new URL("./core-worker.js", import.meta.url), { type: "module", name: this.role });
    this.pending = new Map();
    this.lanes = new Map();
    this.datasets = new Set(); // what this instance has decoded
    this.holds = null; // the weights of the generator this instance has loaded, if the facade tracks it
    this.loading = null; // the weights it is loading
    this.loaded = Promise.resolve(); // settles when that load has ended, however it ended
    this.meters = new Set(); // datasets this instance has a quality meter for
    this.indexes = new Set(); // nearest-image indexes this instance has built
    this.nextId = 1;
    this.worker.addEventListener("message", ({ data }) => this.#receive(data));
    this.worker.addEventListener("error", (e) => {
      e.preventDefault();
      this.#lost(spawn, e.message || "it failed to start");
    });
    const glue = this.core.files[this.kind].js;
    this.ready = this.core.module(this.kind).then((module) => this.#send("init", { module, glue, lock, upsample: this.core.upsample })).then(() => {
      // Granted only once the worker has let go of it: when it has ended.
      navigator.locks?.request(lock, () => this.#lost(spawn, "it stopped"));
    });
  }

  #receive(data) {
    if (data.event === "progress") {
      this.core.dispatchEvent(new CustomEvent("progress", { detail: { role: this.role, text: data.text, fraction: data.fraction } }));
      return;
    }
    if (data.event === "device-lost") {
      this.core.dispatchEvent(new CustomEvent("device-lost", { detail: { role: this.role, reason: data.reason, message: data.message } }));
      return;
    }
    const request = this.pending.get(data.id);
    if (!request) return;
    this.pending.delete(data.id);
    if (data.ok) request.resolve(data.value);
    else request.reject(Object.assign(new Error(data.error), { kind: data.kind }));
  }

  #send(op, args, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  /**
   * @template {keyof Ops} K
   * @param {K} op @param {Ops[K][0]} args
   * @param {{ transfer?: Transferable[], lane?: string }} [options]
   * @returns {Promise<Ops[K][1] | null>} null when a newer request in the same lane took its place
   */
  call(op, args, { transfer = [], lane } = {}) {
    unanswered++;
    const settled = () => { unanswered--; };
    const reply = this.#call(op, args, transfer, lane);
    reply.then(settled, settled);
    return reply;
  }

  /** @param {Op} op @param {any} args @param {Transferable[]} transfer @param {string | undefined} lane */
  #call(op, args, transfer, lane) {
    if (!lane) return this.ready.then(() => this.#send(op, args, transfer));
    const slot = this.lanes.get(lane) ?? { busy: false, waiting: null };
    this.lanes.set(lane, slot);
    slot.waiting?.resolve(null);
    return new Promise((resolve, reject) => {
      slot.waiting = { op, args, transfer, resolve, reject };
      this.#pump(slot);
    });
  }

  #pump(slot) {
    if (slot.busy || !slot.waiting) return;
    const { op, args, transfer, resolve, reject } = slot.waiting;
    slot.waiting = null;
    slot.busy = true;
    const lanes = this.lanes;
    this.ready.then(() => this.#send(op, args, transfer)).then(resolve, reject).finally(() => {
      if (this.lanes !== lanes) return; // the worker was replaced meanwhile
      slot.busy = false;
      this.#pump(slot);
    });
  }

  #lost(spawn, why) {
    if (spawn !== this.spawns || this.closed) return; // an older instance, or stopped on purpose
    const error = new WorkerLost(`the ${this.role} worker stopped (${why}); it is being restarted`);
    this.#fail(error);
    this.worker.terminate();
    this.core.dispatchEvent(new CustomEvent("lost", { detail: { role: this.role, why } }));
    this.#spawn();
    this.core.recover(this).catch((e) => this.core.dispatchEvent(new CustomEvent("lost", { detail: { role: this.role, why: e.message } })));
  }

  #fail(error) {
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
    for (const slot of this.lanes.values()) slot.waiting?.reject(error);
  }

  /** Sends a dataset's bytes, once per instance (a restarted one gets them again). */
  async dataset(name, bytes) {
    if (this.datasets.has(name)) return;
    await this.call("dataset", { name, bytes });
    this.datasets.add(name);
  }

  stop() {
    this.closed = true;
    this.#fail(new WorkerLost(`the ${this.role} worker was stopped`));
    this.worker.terminate();
  }
}

export class Core extends EventTarget {
  /** Compiles the CPU module; the main thread and the first workers instantiate it. */
  static async start() {
    if (!WebAssembly.validate(SIMD_PROBE)) {
      throw new Error("this browser does not run WebAssembly SIMD, which the model needs (Chrome and Edge 91, Firefox 89, Safari 16.4 and later do)");
    }
    const files = coreFiles();
    const cpu = await compile(files.cpu.wasm);
    const bindings = await import(files.cpu.js);
    await bindings.default({ module_or_path: cpu });
    return new Core(files, cpu, bindings);
  }

  constructor(files, cpu, bindings) {
    super();
    this.files = files;
    /** @type {Record<Kind, Promise<WebAssembly.Module> | null>} each compiled once, when first needed */
    this.modules = { cpu: Promise.resolve(cpu), webgpu: null };
    /** The core's pure functions (latent maths, cost curves, limits and validators), called
     *  synchronously on this thread. */
    this.pure = Object.fromEntries(PURE.map((name) => [name, bindings[name]]));
    const { upsample, upsampleProblem } = upsampleChoice(this.pure);
    /** How every worker's generators upsample (null: the core's default). */
    this.upsample = upsample;
    /** Why the URL's `?upsample=` was not used, or null. */
    this.upsampleProblem = upsampleProblem;
    /** @type {Backend | null} */
    this.backend = null;
    this.weights = null;
    this.generation = new CoreWorker(this, "generation", "cpu");
    /** @type {CoreWorker | null} the second CPU generation worker, started at the first large batch */
    this.helper = null;
    this.latent = 0;
    /** @type {CoreWorker[]} */
    this.labWorkers = [];
    this.lab = new LabClient(this);
    this.studio = new StudioClient(this);
    /** The explorer's tools (directions, nearest images, projection), in a CPU worker. */
    this.tools = new ToolsClient(this);
    /** The lab in data space, in one or two CPU workers. */
    this.plane = new PlaneClient(this);
  }

  /**
   * Requests made of the workers and not yet settled, all workers together. At 0 with nothing
   * running, no reply can still arrive late: what tests wait for instead of a fixed time.
   */
  outstanding() {
    return unanswered;
  }

  /** @returns {Kind} the module a worker on the current backend runs */
  kind() {
    return this.backend === "webgpu" ? "webgpu" : "cpu";
  }

  /** How many workers the lab's two runs share. */
  labWorkerCount() {
    return workerCount("labWorkers");
  }

  /** Whether the browser offers a WebGPU adapter: only then is the WebGPU module worth fetching. */
  async webGpuOffered() {
    return (await probeWebGpu()).ok;
  }

  /** @param {Kind} kind @returns {Promise<WebAssembly.Module>} */
  module(kind) {
    this.modules[kind] ??= compile(this.files[kind].wasm).catch((e) => {
      this.modules[kind] = null; // the next request tries again
      throw new Error(`the ${kind} core could not be loaded (${e.message})`);
    });
    return this.modules[kind];
  }

  /**
   * Chooses where models run (`auto` measures) and loads `weights` there. A choice that may
   * use WebGPU runs in a generation worker with the WebGPU module; until it is made, the one
   * before keeps drawing, and if it fails, that one stays.
   */
  async selectBackend(want, weights, prior) {
    /** @type {Kind} */
    let kind = want !== "cpu" && await this.webGpuOffered() ? "webgpu" : "cpu";
    let unloadable = null; // why the WebGPU module could not be had: then the CPU, with a banner
    if (kind === "webgpu") {
      await this.module("webgpu").catch((e) => { unloadable = e.message; kind = "cpu"; });
    }
    const worker = kind === this.generation.kind ? this.generation : new CoreWorker(this, "generation", kind);
    let choice;
    try {
      choice = await worker.call("selectBackend", { want: unloadable ? "cpu" : want, weights, prior });
      if (unloadable) choice.banner = `WebGPU could not be used: ${unloadable}. The model runs on the CPU backend.`;
    } catch (e) {
      if (worker !== this.generation) worker.stop();
      throw e;
    }
    if (worker !== this.generation) {
      this.generation.stop();
      this.generation = worker;
    }
    this.weights = weights;
    this.latent = choice.latent;
    if (choice.backend !== this.backend) {
      for (const w of this.labWorkers) w.stop();
      this.labWorkers = [];
      this.studio.stop();
      this.helper?.stop();
      this.helper = null;
    }
    this.backend = choice.backend;
    return choice;
  }

  async loadGenerator(weights) {
    const info = await this.generation.call("loadGenerator", { weights });
    this.weights = weights;
    this.latent = info.latent;
    return info;
  }

  /**
   * RGBA bytes of G(z); null when a newer request in `lane` superseded this one. On the CPU
   * backend a large batch is split between two workers (each image is computed alone, so the
   * halves are the images one worker would make).
   * @param {ArrayLike<number>} z @param {string} [lane]
   */
  generate(z, lane) {
    const rows = this.latent ? z.length / this.latent : 0;
    const helper = Number.isInteger(rows) && rows >= SPLIT_FROM ? this.#helper() : null;
    if (!helper) return generateOn(this.generation, Float32Array.from(z), lane);
    const all = Float32Array.from(z), cut = Math.ceil(rows / 2) * this.latent;
    return Promise.all([
      generateOn(this.generation, all.slice(0, cut), lane),
      generateOn(helper, all.slice(cut), lane),
    ]).then(([first, second]) => {
      if (!first || !second) return null;
      const rgba = new Uint8ClampedArray(first.length + second.length);
      rgba.set(first);
      rgba.set(second, first.length);
      return rgba;
    });
  }

  /**
   * The second CPU generation worker, once it holds the current generator; until then null
   * (one worker draws alone) while it starts and loads in the background.
   * @returns {CoreWorker | null}
   */
  #helper() {
    if (this.backend !== "cpu" || !this.weights || workerCount("generationWorkers") < 2) return null;
    const helper = this.helper ??= new CoreWorker(this, "generation-1", "cpu");
    const weights = this.weights;
    if (helper.holds === weights) return helper;
    if (helper.loading !== weights) {
      helper.loading = weights; // tried once per model: a failure leaves the one worker drawing
      helper.loaded = helper.call("useBackend", { backend: "cpu" })
        .then(() => helper.call("loadGenerator", { weights }))
        .then(() => { if (helper.loading === weights) helper.holds = weights; }, () => {});
    }
    return null;
  }

  /**
   * Whether a large batch is now split: waits while the second CPU generation worker loads the
   * current model (starting it if need be); false on WebGPU, on one core, or if it failed.
   */
  async splitReady() {
    if (this.#helper()) return true;
    await this.helper?.loaded;
    return this.#helper() !== null;
  }

  async labWorkersReady() {
    while (this.labWorkers.length < this.labWorkerCount()) {
      const worker = new CoreWorker(this, `lab-${this.labWorkers.length}`, this.kind());
      this.labWorkers.push(worker);
      await worker.call("useBackend", { backend: this.backend });
    }
    return this.labWorkers;
  }

  /** The wasm heap of a worker, in bytes. */
  async memory(role = "generation") {
    const worker = role === "generation" ? this.generation : role === "generation-1" ? this.helper
      : role === "tools" ? this.tools.worker : role.startsWith("plane-") ? this.plane.workers[Number(role.slice(6))]
      : role === "studio" ? await this.studio.ready() : this.labWorkers.find((w) => w.role === role);
    if (!worker) throw new Error(`no ${role} worker is running`);
    return (await worker.call("memory", {})).wasmBytes;
  }

  // A restarted worker gets back what it held: the backend, and the model for generation.
  // The lab restores its runs itself, on "recovered".
  async recover(worker) {
    // The tools and plane workers hold no engine: their work is always on the CPU
    // (src/web/tools.rs, src/web/plane.rs).
    if (this.backend && !cpuOnly(worker.role)) await worker.call("useBackend", { backend: this.backend });
    if (worker === this.generation && this.weights) await worker.call("loadGenerator", { weights: this.weights });
    this.dispatchEvent(new CustomEvent("recovered", { detail: { role: worker.role } }));
  }
}

/** @param {CoreWorker} worker @param {Float32Array} z @param {string} [lane] */
function generateOn(worker, z, lane) {
  return worker.call("generate", { z }, { transfer: [z.buffer], lane });
}

/** The lab's runs across the lab workers: run i lives in worker i mod (number of workers). */
class LabClient {
  constructor(core) {
    this.core = core;
  }

  worker(cost) {
    const workers = this.core.labWorkers;
    return workers[(cost === "saturating" ? 0 : 1) % workers.length];
  }

  /** D's head start in the first lab worker. */
  async headStart(name, bytes, options) {
    const [first] = await this.core.labWorkersReady();
    await first.dataset(name, bytes);
    return first.call("labHeadStart", { name, options });
  }

  advance(steps) {
    return this.core.labWorkers[0].call("labAdvance", { steps });
  }

  /** The head start's state as snapshot bytes, taken once. */
  handOver() {
    return this.core.labWorkers[0].call("labHandOver", {});
  }

  /** `cost`'s run, in its worker, from snapshot bytes. */
  async restore(cost, name, bytes, snapshot) {
    await this.core.labWorkersReady();
    const worker = this.worker(cost);
    await worker.dataset(name, bytes);
    return worker.call("labRestore", { name, snapshot, cost });
  }

  step(cost) {
    return this.worker(cost).call("labStep", { cost });
  }

  samples(cost) {
    return this.worker(cost).call("labSamples", { cost });
  }

  snapshot(cost) {
    return this.worker(cost).call("labSnapshot", { cost });
  }

  async clear() {
    await Promise.all(this.core.labWorkers.map((w) => w.call("labClear", {})));
  }
}

/** The studio's one run, in a worker of its own on the current backend (started on first use). */
class StudioClient {
  constructor(core) {
    this.core = core;
    /** @type {Promise<CoreWorker> | null} */
    this.worker = null;
  }

  ready() {
    if (!this.core.backend) return Promise.reject(new Error("the model is still loading; try again in a moment"));
    this.worker ??= (async () => {
      const worker = new CoreWorker(this.core, "studio", this.core.kind());
      await worker.call("useBackend", { backend: this.core.backend });
      return worker;
    })();
    return this.worker;
  }

  /** A fresh run of `options` on dataset `name`; resolves the run's info. */
  async create(name, bytes, options) {
    const worker = await this.ready();
    await worker.dataset(name, bytes);
    return worker.call("studioCreate", { name, options });
  }

  /** The run a snapshot holds; a refused snapshot leaves the worker's run as it was. */
  async restore(name, bytes, snapshot) {
    const worker = await this.ready();
    await worker.dataset(name, bytes);
    return worker.call("studioRestore", { name, snapshot }); // copied, not transferred: the caller keeps it
  }

  async step() {
    return (await this.ready()).call("studioStep", {});
  }

  /** Up to `steps` steps run by the worker back to back, for at most about `budgetMs`. */
  async train(steps, budgetMs) {
    return (await this.ready()).call("studioTrain", { steps, budgetMs });
  }

  async samples() {
    return (await this.ready()).call("studioSamples", {});
  }

  async snapshot() {
    return (await this.ready()).call("studioSnapshot", {});
  }

  async generator() {
    return (await this.ready()).call("studioGenerator", {});
  }

  /**
   * The run's quality on dataset `name`; `classifier()` gives the classifier's bytes, asked for
   * only when this worker has no meter for `name` yet.
   * @param {string} name @param {() => Promise<Uint8Array>} classifier @param {number} samples
   */
  async quality(name, classifier, samples) {
    const worker = await this.ready();
    const first = !worker.meters.has(name);
    const value = await worker.call("studioQuality", { name, samples, classifier: first ? await classifier() : null });
    worker.meters.add(name);
    return value;
  }

  /**
   * One's own images, gathered in the studio worker at `size` pixels; the set becomes the
   * worker's dataset `name` (null, with a problem, when nothing was usable).
   * @param {File[]} files @param {string[]} names @param {number} size @param {"crop" | "pad"} fit
   */
  async gather(files, names, size, fit) {
    const worker = await this.ready();
    const value = await worker.call("studioGather", { files, names, size, fit });
    if (value.name) worker.datasets.add(value.name);
    return value;
  }

  /** The backend changed: the next call starts a worker on the new one. */
  stop() {
    this.worker?.then((w) => w.stop(), () => {});
    this.worker = null;
  }
}
