// @ts-check
// One worker of the page's pool: its own instance of the wasm core, holding the engine, the
// loaded generator, datasets and lab runs. Requests come from www/core.js (the facade) as
// { id, op, args }; each is answered { id, ok, value } or { id, ok: false, error }. Bytes go
// back as transferred buffers. A trap inside the wasm (a Rust panic) leaves the instance
// unusable, so the worker answers, then closes itself; the facade notices (a Web Lock this
// worker holds is released) and starts a new one.

import { selectEngine } from "./backend.js";

/** @typedef {import("./protocol.js").Request} Request */

/** @typedef {import("./protocol.js").Ops} Ops */
/** @type {typeof import("gan-core")} the wasm core (wasm-bindgen's generated bindings) */
let core;
/** @type {any} the instance's exports (its linear memory among them) */
let exports = null;
/** @type {import("gan-core").Engine | null} */
let engine = null;
/** @type {import("gan-core").LoadedGenerator | null} */
let generator = null;
/** @type {import("gan-core").LabHeadStart | null} */
let head = null;
/** @type {Map<string, import("gan-core").Dataset>} dataset name → decoded images */
const datasets = new Map();
/** @type {Map<string, import("gan-core").LabRun>} cost → run */
const runs = new Map();
/** @type {import("gan-core").StudioRun | null} the studio's run */
let studio = null;

/**
 * Frees what a new object replaces (wasm objects are not garbage-collected).
 * @template {{ free(): void }} T
 * @param {T | null | undefined} old @param {T | null} next @returns {T | null}
 */
function replace(old, next) {
  if (old && old !== next) old.free();
  return next;
}

/**
 * @template T
 * @param {T | null | undefined} value @param {string} what @returns {T}
 */
function must(value, what) {
  if (!value) throw new Error(`${what} first`);
  return value;
}

/** @returns {import("./protocol.js").Backend} */
function backendOf(e) {
  const name = e.backend;
  if (name !== "webgpu" && name !== "cpu") throw new Error(`the core reports an unknown backend “${name}”`);
  return name;
}

function describe(g) {
  return { latent: g.latent, imageSize: g.imageSize, channels: g.channels };
}

function clearLab() {
  head = replace(head, null);
  for (const run of runs.values()) run.free();
  runs.clear();
}

async function makeEngine(backend) {
  if (backend === "webgpu") {
    if (!core.Engine.webgpu) throw new Error("this worker runs the CPU core, which has no WebGPU");
    return core.Engine.webgpu();
  }
  if (backend === "cpu") return core.Engine.cpu();
  throw new Error(`unknown backend “${backend}” (expected webgpu or cpu)`);
}

/** @type {{ [K in keyof Ops]: (args: Ops[K][0]) => Ops[K][1] | Promise<Ops[K][1]> }} */
const OPS = {
  async init({ module, glue, lock }) {
    core = await import(glue);
    exports = await core.default({ module_or_path: module });
    // Held until this worker ends, however it ends: the facade waits on it to notice.
    if (globalThis.navigator?.locks) {
      await new Promise((held) => navigator.locks.request(lock, () => { held(); return new Promise(() => {}); }));
    }
    return {};
  },

  // The generation worker: picks the backend for `want` (auto measures a software adapter
  // against the CPU) with the model's weights, and keeps the generator it loaded.
  async selectBackend({ want, weights, prior }) {
    const { latent } = core.describeGenerator(weights);
    const z = core.sampleLatent(prior, 1, latent, 0);
    const report = (text) => self.postMessage({ event: "progress", text });
    const chosen = await selectEngine(core, want, weights, z, report);
    engine = replace(engine, chosen.engine);
    generator = replace(generator, chosen.generator);
    return { backend: backendOf(engine), label: chosen.label, banner: chosen.banner, ...describe(generator) };
  },

  async useBackend({ backend }) {
    if (engine?.backend === backend) return { backend };
    clearLab();
    studio = replace(studio, null);
    generator = replace(generator, null);
    engine = replace(engine, await makeEngine(backend));
    return { backend: backendOf(engine) };
  },

  loadGenerator({ weights }) {
    const next = must(engine, "choose a backend").loadGenerator(weights);
    generator = replace(generator, next);
    return describe(generator);
  },

  async generate({ z }) {
    return must(generator, "load a generator").generate(z);
  },

  dataset({ name, bytes }) {
    if (!datasets.has(name)) datasets.set(name, core.Dataset.decode(bytes));
    return { count: datasets.get(name).count };
  },

  headStart({ name, options }) {
    clearLab();
    head = core.LabHeadStart.create(must(engine, "choose a backend"), must(datasets.get(name), `send the ${name} images`), options);
    return { remaining: head.advance(0) };
  },

  advance({ steps }) {
    return { remaining: must(head, "start the head start").advance(steps) };
  },

  async handOver() {
    const bytes = await must(head, "start the head start").handOver();
    head = replace(head, null);
    return bytes;
  },

  restoreRun({ name, snapshot, cost }) {
    const run = core.LabRun.restore(must(engine, "choose a backend"), must(datasets.get(name), `send the ${name} images`), snapshot, cost);
    runs.set(cost, replace(runs.get(cost), run));
    return { iteration: run.iteration, imageSize: run.imageSize };
  },

  step({ cost }) {
    return must(runs.get(cost), `restore the ${cost} run`).step();
  },

  samples({ cost }) {
    return must(runs.get(cost), `restore the ${cost} run`).samples();
  },

  snapshotRun({ cost }) {
    return must(runs.get(cost), `restore the ${cost} run`).snapshot();
  },

  clearLab() {
    clearLab();
    return {};
  },

  // The studio's run: a new one replaces the old only once it is built, so a refused snapshot
  // or bad settings leave the run as it was.
  studioCreate({ name, options }) {
    const run = core.StudioRun.create(must(engine, "choose a backend"), must(datasets.get(name), `send the ${name} images`), options);
    studio = replace(studio, run);
    return run.info();
  },

  studioRestore({ name, snapshot }) {
    const run = core.StudioRun.restore(must(engine, "choose a backend"), must(datasets.get(name), `send the ${name} images`), snapshot);
    studio = replace(studio, run);
    return run.info();
  },

  studioStep() {
    return must(studio, "start a studio run").step();
  },

  studioSamples() {
    return must(studio, "start a studio run").samples();
  },

  studioSnapshot() {
    return must(studio, "start a studio run").snapshot();
  },

  studioGenerator() {
    return must(studio, "start a studio run").generator();
  },

  // The wasm heap: linear memory only grows, so a leak shows here as growth.
  memory() {
    return { wasmBytes: exports.memory.buffer.byteLength };
  },
};

function transferables(value) {
  if (ArrayBuffer.isView(value)) return [value.buffer];
  return [];
}

self.addEventListener("message", async (/** @type {MessageEvent<Request>} */ { data: request }) => {
  const { id, op, args } = request;
  try {
    const handler = OPS[op];
    if (!handler) throw new Error(`unknown request “${op}”`);
    const value = await handler(args ?? {});
    self.postMessage({ id, ok: true, value }, transferables(value));
  } catch (e) {
    const fatal = e instanceof WebAssembly.RuntimeError;
    self.postMessage({ id, ok: false, error: e?.message ?? String(e), fatal });
    if (fatal) self.close();
  }
});
