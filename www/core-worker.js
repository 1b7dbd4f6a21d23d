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
/** @type {Map<string, import("gan-core").QualityMeter>} dataset name → the studio's quality meter */
const meters = new Map();
/** @type {Map<string, import("gan-core").NearestImages>} a model's training set → its index */
const indexes = new Map();
/** @type {import("gan-core").LatentProjection | null} the drawing being projected */
let projection = null;
/** @type {import("gan-core").PlaneLab | null} the lab in data space: this worker's runs of one set-up */
let plane = null;

// WebGPU devices this worker's engines asked for (Burn's wgpu asks through the adapter's
// requestDevice, so wrapping it sees them). A device the browser takes away (driver reset, GPU
// process crash, `destroy()`) is reported to the facade, which moves the page to the CPU; one
// released with its engine is not. `self.gpuDevices` is where a test reaches them.
/** @type {any[]} */
const gpuDevices = [];
const released = new WeakSet();
/** @type {any} */ (self).gpuDevices = gpuDevices;
const adapterClass = /** @type {any} */ (globalThis).GPUAdapter;
if (adapterClass) {
  const requestDevice = adapterClass.prototype.requestDevice;
  adapterClass.prototype.requestDevice = async function (/** @type {any[]} */ ...args) {
    const device = await requestDevice.apply(this, args);
    gpuDevices.push(device);
    device.lost.then((/** @type {any} */ info) => {
      if (!released.has(device)) self.postMessage({ event: "device-lost", reason: info.reason, message: info.message });
    });
    return device;
  };
}

/** Frees an engine and lets go of its devices without reporting them lost. */
function freeEngine(old) {
  for (const d of gpuDevices) released.add(d);
  gpuDevices.length = 0;
  old.free();
}

/**
 * Frees what a new object replaces (wasm objects are not garbage-collected).
 * @template {{ free(): void }} T
 * @param {T | null | undefined} old @param {T | null} next @returns {T | null}
 */
function replace(old, next) {
  if (!old || old === next) return next;
  if (/** @type {unknown} */ (old) === engine) freeEngine(old);
  else old.free();
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
  async init({ module, glue, lock, upsample }) {
    core = await import(glue);
    exports = await core.default({ module_or_path: module });
    if (upsample) core.chooseUpsample(upsample);
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
    const chosen = await selectEngine(core, want, weights, z, report, freeEngine);
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

  // The tools worker (src/web/tools.rs: always Burn's CPU backend). Directions in z: SeFa from
  // the weights alone, PCA from sampled features, classes from labelled samples.
  directions({ weights, method, count, prior }) {
    return core.latentDirections(weights, method, count, prior);
  },

  classDirections({ weights, classifier, names, prior }) {
    return core.classDirections(weights, classifier, names, prior);
  },

  // The nearest training images: an index per key (a model's training set), measured in chunks
  // so the page can show progress.
  nearestStart({ key, name, classifier }) {
    const index = core.NearestImages.create(must(datasets.get(name), `send the ${name} images`), classifier);
    indexes.set(key, replace(indexes.get(key), index));
    return { count: index.count, byFeatures: index.byFeatures };
  },

  nearestExtend({ key, chunk }) {
    return { remaining: must(indexes.get(key), "start the index").extend(chunk) };
  },

  nearestQuery({ key, rgba, size, k }) {
    const index = must(indexes.get(key), "start the index");
    const neighbours = index.query(rgba, size, k);
    const images = neighbours.map((/** @type {any} */ n) => index.image(n.index));
    const all = new Uint8Array(images.reduce((sum, i) => sum + i.length, 0));
    images.reduce((at, i) => { all.set(i, at); return at + i.length; }, 0);
    return { neighbours, images: all };
  },

  // An encoder file (the projection's first guess) checked whole against the generator.
  checkEncoder({ weights, encoder }) {
    core.checkEncoder(weights, encoder);
    return {};
  },

  // A drawing projected into z: a newer one replaces the one running.
  projectStart({ weights, rgba, prior, seed, encoder }) {
    projection = replace(projection, core.LatentProjection.create(weights, rgba, prior, seed, encoder ?? undefined));
    return {};
  },

  projectStep({ steps }) {
    return must(projection, "start a projection").step(steps);
  },

  // One image file, checked and fitted as the studio fits one's own images, as RGBA at `size`.
  async projectImage({ file, size }) {
    const gatherer = new core.OwnImageGatherer(size, "pad");
    try {
      const { headBytes, tailBytes } = core.ownImageLimits();
      const head = new Uint8Array(await file.slice(0, headBytes).arrayBuffer());
      const tail = file.size <= head.length ? head : new Uint8Array(await file.slice(-tailBytes).arrayBuffer());
      const place = gatherer.admit(file.name, file.size, head, tail);
      if (!place) throw new Error(gatherer.rejected()[0]?.reason ?? "it cannot be used");
      let bitmap;
      try {
        bitmap = await createImageBitmap(file, { premultiplyAlpha: "none" });
      } catch {
        throw new Error("it is corrupt: the browser could not decode it");
      }
      const canvas = new OffscreenCanvas(size, size);
      const ctx = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
      ctx.imageSmoothingQuality = "high";
      const { source: s, dest: d } = place;
      ctx.drawImage(bitmap, s.x, s.y, s.w, s.h, d.x, d.y, d.w, d.h);
      bitmap.close();
      return new Uint8Array(ctx.getImageData(0, 0, size, size).data.buffer);
    } finally {
      gatherer.free();
    }
  },

  // The lab in data space (src/web/plane.rs: always the CPU backend). A new set-up replaces
  // the runs only once it is built, so a refused one leaves them as they were.
  planeCreate({ setup, keep }) {
    plane = replace(plane, core.PlaneLab.create(setup, keep));
    return plane.info();
  },

  planeUndo() {
    return must(plane, "create the plane lab").undo();
  },

  planeStep({ iterations }) {
    return must(plane, "create the plane lab").step(iterations);
  },

  planeStage() {
    return must(plane, "create the plane lab").stage();
  },

  planeFrame() {
    return must(plane, "create the plane lab").frame();
  },

  planeProbe({ run, xy }) {
    return must(plane, "create the plane lab").probe(run, xy);
  },

  dataset({ name, bytes }) {
    if (!datasets.has(name)) datasets.set(name, core.Dataset.decode(bytes));
    return { count: datasets.get(name).count };
  },

  labHeadStart({ name, options }) {
    clearLab();
    head = core.LabHeadStart.create(must(engine, "choose a backend"), must(datasets.get(name), `send the ${name} images`), options);
    return { remaining: head.advance(0) };
  },

  labAdvance({ steps }) {
    return { remaining: must(head, "start the head start").advance(steps) };
  },

  async labHandOver() {
    const bytes = await must(head, "start the head start").handOver();
    head = replace(head, null);
    return bytes;
  },

  labRestore({ name, snapshot, cost }) {
    const run = core.LabRun.restore(must(engine, "choose a backend"), must(datasets.get(name), `send the ${name} images`), snapshot, cost);
    runs.set(cost, replace(runs.get(cost), run));
    return { iteration: run.iteration, imageSize: run.imageSize };
  },

  labStep({ cost }) {
    return must(runs.get(cost), `restore the ${cost} run`).step();
  },

  labSamples({ cost }) {
    return must(runs.get(cost), `restore the ${cost} run`).samples();
  },

  labSnapshot({ cost }) {
    return must(runs.get(cost), `restore the ${cost} run`).snapshot();
  },

  labClear() {
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

  // Steps the run back to back, up to `steps` of them or until `budgetMs` has passed (so a
  // pause waits at most that long), and answers every step's statistics. The worker drives the
  // loop: a hidden page's timers and animation frames are throttled, a worker is not. It stops
  // early at a step whose numbers are not finite (the page rolls back there) or when a newer
  // run has replaced this one.
  async studioTrain({ steps, budgetMs }) {
    const run = must(studio, "start a studio run");
    const done = [];
    const began = performance.now();
    while (done.length < steps && run === studio) {
      let stats;
      try {
        stats = await run.step();
      } catch (e) {
        if (!done.length) throw e;
        break; // the steps done are answered; the next request meets the error
      }
      done.push(stats);
      const finite = Object.values(stats).every((v) => typeof v !== "number" || Number.isFinite(v));
      if (!finite || performance.now() - began >= budgetMs) break;
    }
    return done;
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

  // The quality of the studio's run on dataset `name` (its meter made once, from the
  // classifier's bytes, which the facade sends the first time).
  studioQuality({ name, classifier, samples }) {
    if (!meters.has(name)) {
      if (!classifier) throw new Error(`send the ${name} classifier`);
      meters.set(name, core.QualityMeter.create(classifier, must(datasets.get(name), `send the ${name} images`), samples));
    }
    return must(studio, "start a studio run").quality(/** @type {any} */ (meters.get(name)));
  },

  // One's own images, decoded here with the browser's decoders one file at a time (a thousand
  // photos are never decoded at once), and placed, checked and kept by the core. The set is
  // this worker's dataset `name` (from its content) from then on; what could not be used is
  // listed, and a set with nothing usable is an answer with a problem, not an error, so that
  // the list still reaches the page.
  async studioGather({ files, names, size, fit }) {
    const gatherer = new core.OwnImageGatherer(size, fit);
    try {
      const { headBytes, tailBytes } = core.ownImageLimits();
      const canvas = new OffscreenCanvas(size, size);
      const ctx = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
      ctx.imageSmoothingQuality = "high";
      for (let i = 0; i < files.length; i++) {
        if (i % 20 === 0) self.postMessage({ event: "progress", text: `Reading your images: ${i} of ${files.length}`, fraction: i / files.length });
        const file = files[i];
        const name = names[i] ?? file.name;
        let head = new Uint8Array(0), tail = head; // a full set refuses the file unread
        try {
          if (!gatherer.isFull()) {
            head = new Uint8Array(await file.slice(0, headBytes).arrayBuffer());
            tail = file.size <= head.length ? head : new Uint8Array(await file.slice(-tailBytes).arrayBuffer());
          }
        } catch (e) {
          gatherer.reject(name, `unreadable: ${e?.message ?? e}`);
          continue;
        }
        const place = gatherer.admit(name, file.size, head, tail);
        if (!place) continue;
        let bitmap;
        try {
          bitmap = await createImageBitmap(file, { premultiplyAlpha: "none" });
        } catch {
          gatherer.reject(name, "corrupt: the browser could not decode it");
          continue;
        }
        const { source: s, dest: d } = place;
        ctx.clearRect(0, 0, size, size);
        ctx.drawImage(bitmap, s.x, s.y, s.w, s.h, d.x, d.y, d.w, d.h);
        bitmap.close();
        gatherer.add(new Uint8Array(ctx.getImageData(0, 0, size, size).data.buffer), d);
      }
      const rejected = gatherer.rejected();
      let summary;
      try {
        summary = gatherer.finish();
      } catch (e) {
        return { name: null, problem: e.message, rejected, count: 0, channels: 0, size, idx: null };
      }
      const idx = gatherer.idx();
      const name = `own-${await digest(idx)}`;
      datasets.set(name, replace(datasets.get(name), core.Dataset.decode(idx)));
      return { name, problem: null, idx, ...summary };
    } finally {
      gatherer.free();
    }
  },

  // The wasm heap: linear memory only grows, so a leak shows here as growth.
  memory() {
    return { wasmBytes: exports.memory.buffer.byteLength };
  },
};

/** The first 12 hex digits of the SHA-256 of `bytes`: a set's identity. */
async function digest(bytes) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Typed arrays in an answer (itself, or one of its fields) travel as transferred buffers. */
function transferables(value) {
  if (ArrayBuffer.isView(value)) return [value.buffer];
  if (value && typeof value === "object") return Object.values(value).filter((v) => ArrayBuffer.isView(v)).map((v) => v.buffer);
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
    // The error's name is its kind (src/web/lib.rs, ErrorKind): the page tells errors apart by it.
    self.postMessage({ id, ok: false, error: e?.message ?? String(e), kind: e?.name ?? "Error", fatal });
    if (fatal) self.close();
  }
});
