// The page side of bench/tfjs.mjs: our generator (the page's wasm modules) against the same
// network in TF.js, one backend pair at a time, in this one page. Each contender's output is
// checked equal to ours (to 3/255) before anything is timed; then every repetition runs all
// contenders in a rotating order, so drift in the machine's load falls on each alike.

/* global tf */
import { parseSafetensors, generatorSpec, buildTranspose, buildSubPixel, toRgba } from "./generator.js";
import { loadImages, buildTrainer } from "./train.js";

const TOLERANCE = 3; // on the 0–255 scale
const log = (m) => console.log(`[bench] ${m}`);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function maxDifference(a, b) {
  if (a.length !== b.length) throw new Error(`outputs differ in length: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function loadOurs(files, backend) {
  const module = await import(files[backend === "webgpu" ? "webgpu" : "cpu"].js);
  await module.default({ module_or_path: files[backend === "webgpu" ? "webgpu" : "cpu"].wasm });
  return { module, engine: backend === "webgpu" ? await module.Engine.webgpu() : module.Engine.cpu() };
}

// The page's own facade (www/core.js, served from dist/), as the explorer's grid uses it: on the
// CPU backend a large batch is split between two generation workers. It reads the built file
// names from the page's core-files entry, which this page adds. Ready once the second worker
// holds the model.
async function loadPage(files, weights) {
  const entry = Object.assign(document.createElement("script"), { type: "application/json", id: "core-files", textContent: JSON.stringify(files) });
  document.head.append(entry);
  const { Core } = await import("/www/core.js");
  const core = await Core.start();
  await core.selectBackend("cpu", weights.slice(), "normal");
  // A second worker that was started (two cores, not ?generationWorkers=1) must hold the model.
  if (!(await core.splitReady()) && core.helper) throw new Error("the page's second generation worker never held the model");
  return core;
}

// TF.js's wasm backend picks SIMD and threads itself (threads need cross-origin isolation;
// it uses, and caps a requested count at, half the logical cores, at least 1).
async function useTfBackend(name, threads) {
  if (name === "wasm" && threads) tf.wasm.setThreadsCount(threads); // before the backend starts
  if (!(await tf.setBackend(name))) throw new Error(`TF.js could not start its ${name} backend`);
  await tf.ready();
  if (name !== "wasm") return { backend: name };
  return {
    backend: name,
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    threadsSupported: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    threads: tf.wasm.getThreadsCount(),
  };
}

/** One TF.js contender: z (Float32Array) → RGBA bytes, the read-back included. */
function tfContender(net, spec) {
  return async (z) => {
    const y = tf.tidy(() => net.forward(tf.tensor2d(z, [z.length / spec.latent, spec.latent])));
    const values = await y.data();
    y.dispose();
    return toRgba(values, spec.channels);
  };
}

async function measure(contenders, z, { runs, warmup }) {
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < warmup + runs; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length];
      const t0 = performance.now();
      await contenders[name](z);
      const ms = performance.now() - t0;
      if (r >= warmup) samples[name].push(ms);
    }
  }
  return samples;
}

/**
 * Runs every pair. `files`: the page's core-files entry; `pairs`: e.g.
 * [{ ours: "cpu", tfjs: "wasm" }, { ours: "webgpu", tfjs: "webgpu" }]; `batches`: [1, 64].
 */
export async function run({ files, pairs, batches, runs, warmup, weights, tfjsThreads }) {
  const bytes = new Uint8Array(await (await fetch(weights)).arrayBuffer());
  const spec = generatorSpec(parseSafetensors(bytes));
  log(`generator: ${spec.layers.map((l) => `${l.input}→${l.output} k${l.k} s${l.stride} p${l.padding}`).join(", ")} → ${spec.imageSize}²×${spec.channels}`);
  const env = {
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    tfjs: tf.version_core,
  };
  const brands = await navigator.userAgentData?.getHighEntropyValues(["fullVersionList"]);
  env.browser = brands?.fullVersionList?.filter((b) => !/Not.A.Brand/i.test(b.brand)).map((b) => `${b.brand} ${b.version}`).join(", ");
  const adapter = await navigator.gpu?.requestAdapter();
  env.adapter = adapter && { ...Object.fromEntries(["vendor", "architecture", "device", "description"].map((k) => [k, adapter.info[k]])), fallback: adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter };

  const results = [];
  for (const pair of pairs) {
    const ours = await loadOurs(files, pair.ours);
    const g = ours.engine.loadGenerator(bytes);
    const page = pair.ours === "cpu" ? await loadPage(files, bytes) : null;
    const backend = await useTfBackend(pair.tfjs, tfjsThreads);
    const nets = { transpose: buildTranspose(spec), subPixel: buildSubPixel(spec) };
    const contenders = {
      ours: (z) => g.generate(z),
      ...(page && { "ours, page": (z) => page.generate(z) }),
      "tfjs conv2dTranspose": tfContender(nets.transpose, spec),
      "tfjs sub-pixel": tfContender(nets.subPixel, spec),
    };
    for (const batch of batches) {
      const z = ours.module.sampleLatent("normal", batch, spec.latent, 0);
      // Equality first: a timing of a different function means nothing.
      const reference = await contenders.ours(z);
      if (new Set(reference).size < 16) throw new Error(`our ${pair.ours} images are nearly flat: no test of equality`);
      const differences = {};
      for (const [name, f] of Object.entries(contenders)) {
        if (name === "ours") continue;
        differences[name] = maxDifference(reference, await f(z));
        if (differences[name] > TOLERANCE) {
          throw new Error(`${name} on ${pair.tfjs}, batch ${batch}: images differ from ours (${pair.ours}) by up to ${differences[name]}/255 (> ${TOLERANCE}/255); not timing`);
        }
      }
      log(`${pair.ours} vs ${pair.tfjs}, batch ${batch}: equal (max difference ${JSON.stringify(differences)}); timing ${runs} runs`);
      const tensorsBefore = tf.memory().numTensors;
      const samples = await measure(contenders, z, { runs, warmup });
      const medians = Object.fromEntries(Object.entries(samples).map(([n, s]) => [n, median(s)]));
      log(`${pair.ours} vs ${pair.tfjs}, batch ${batch}: ${JSON.stringify(medians)}`);
      results.push({
        ours: pair.ours, tfjs: pair.tfjs, batch, medians, samples, maxDifference: differences,
        tfjsTensorsLeaked: tf.memory().numTensors - tensorsBefore,
      });
    }
    Object.values(nets).forEach((n) => n.dispose());
    if (page) {
      page.generation.stop();
      page.helper?.stop();
    }
    g.free();
    ours.engine.free();
    env[`tfjs ${pair.tfjs}`] = backend;
  }
  return { env, spec: { latent: spec.latent, channels: spec.channels, imageSize: spec.imageSize, layers: spec.layers.map(({ input, output, k, stride, padding }) => ({ input, output, k, stride, padding })) }, results };
}

/**
 * One training iteration (D step + G step, batch `batch`) of the loss lab's GAN at `width`:
 * ours (`LabRun.step`, non-saturating, no head start) against TF.js (bench/tfjs/train.js).
 * `pairs`: e.g. [{ ours: "cpu", tfjs: "cpu" }, { ours: "webgpu", tfjs: "webgpu" }].
 */
export async function runTraining({ files, pairs, runs, warmup, batch, width, images: url }) {
  const images = await loadImages(url);
  const results = [];
  for (const pair of pairs) {
    const ours = await loadOurs(files, pair.ours);
    const data = ours.module.Dataset.decode(images.gz);
    const head = ours.module.LabHeadStart.create(ours.engine, data, { headStart: 0, batchSize: batch, width });
    const lab = ours.module.LabRun.restore(ours.engine, data, await head.handOver(), "non_saturating");
    await useTfBackend(pair.tfjs);
    const trainer = await buildTrainer({ width, batch, images });
    // A first step of each, untimed: both train (finite statistics, kept for a look), and
    // Adam's moments exist before the tensor count is taken.
    const [dLoss, gCost, dReal, dFakeBefore, dFakeAfter, gGradNorm] = await trainer.step();
    const scalars = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === "number"));
    const first = { ours: scalars(await lab.step()), tfjs: { dLoss, gCost, dReal, dFakeBefore, dFakeAfter, gGradNorm } };
    log(`training, ${pair.ours} vs ${pair.tfjs}: first step ${JSON.stringify(first)}; timing ${runs} runs`);
    const tensorsBefore = tf.memory().numTensors;
    const samples = await measure({ ours: () => lab.step(), tfjs: () => trainer.step() }, null, { runs, warmup });
    const medians = Object.fromEntries(Object.entries(samples).map(([n, s]) => [n, median(s)]));
    log(`training, ${pair.ours} vs ${pair.tfjs}: ${JSON.stringify(medians)}`);
    results.push({ ours: pair.ours, tfjs: pair.tfjs, batch, width, medians, samples, first, tfjsTensorsLeaked: tf.memory().numTensors - tensorsBefore });
    trainer.dispose();
    for (const x of [lab, head, data, ours.engine]) x.free();
  }
  // Why the CPU pair is TF.js's cpu backend: its wasm backend has no kernel for a conv's filter gradient.
  const wasmHasFilterGradient = Boolean(tf.getKernel("Conv2DBackpropFilter", "wasm"));
  return { results, wasmHasFilterGradient };
}
