// Picks where the model runs, inside the generation worker: WebGPU where it helps, Burn's CPU
// backend (in wasm) otherwise, and says why. With only a software adapter (SwiftShader) the CPU
// is usually ~10x faster for a small DCGAN, so "auto" measures both instead of guessing.
// Dedicated workers have navigator.gpu in Chromium, so the measurement runs here; the facade
// (core.js) also probes on the main thread, to fetch the WebGPU module only where it can run.

export async function probeWebGpu() {
  if (!navigator.gpu) return { ok: false, why: "this browser has no WebGPU (navigator.gpu is missing)" };
  let adapter;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (e) {
    return { ok: false, why: `requesting a WebGPU adapter failed: ${e.message}` };
  }
  if (!adapter) return { ok: false, why: "the browser offers no WebGPU adapter" };
  const info = adapter.info ?? {};
  const fallback = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter);
  const name = [info.vendor, info.architecture].filter(Boolean).join(" ") || "unnamed adapter";
  return { ok: true, fallback, name };
}

// Median milliseconds of one generation, after a warm-up call (shaders compile lazily).
export async function timeGeneration(generator, z, runs = 3) {
  await generator.generate(z);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await generator.generate(z);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const cpuLabel = "CPU (Burn flex in wasm)";

// Returns { engine, generator, label, banner } for the weights `bytes`; `report(text)` shows
// progress. Never throws for a missing or failing WebGPU: that is a CPU run with a banner.
// Whatever is not kept is freed (an engine with `freeEngine`, which lets go of its devices).
export async function selectEngine(core, want, bytes, z, report, freeEngine = (e) => e.free()) {
  const free = (choice) => {
    choice?.generator?.free();
    if (choice?.engine) freeEngine(choice.engine);
  };
  const onCpu = async (banner) => {
    const engine = core.Engine.cpu();
    const generator = engine.loadGenerator(bytes);
    report("Warming up the CPU backend…");
    await generator.generate(z);
    return { engine, generator, label: cpuLabel, banner };
  };
  if (want === "cpu") return onCpu("Running on the CPU because you chose it (backend=cpu).");

  report("Looking for a WebGPU adapter…");
  const probe = await probeWebGpu();
  if (!probe.ok) return onCpu(`WebGPU is not available (${probe.why}), so the model runs on the CPU backend.`);
  if (!core.Engine.webgpu) return onCpu("This worker runs the CPU core, which has no WebGPU, so the model runs on the CPU backend.");
  const webgpu = { engine: null, generator: null, label: "", banner: null };
  try {
    webgpu.engine = await core.Engine.webgpu();
    webgpu.generator = webgpu.engine.loadGenerator(bytes);
    report("Warming up WebGPU shaders…");
    await webgpu.generator.generate(z);
  } catch (e) {
    free(webgpu);
    return onCpu(`WebGPU failed to start (${e.message}), so the model runs on the CPU backend.`);
  }
  webgpu.label = `WebGPU (${probe.name}${probe.fallback ? ", software fallback" : ""})`;
  if (want === "webgpu") {
    if (probe.fallback) webgpu.banner = "Forced to WebGPU on a software adapter: the CPU backend is probably faster here.";
    return webgpu;
  }
  if (!probe.fallback) return webgpu;

  report("Software WebGPU adapter: measuring WebGPU against the CPU…");
  const gpuMs = await timeGeneration(webgpu.generator, z);
  const cpu = await onCpu(null);
  const cpuMs = await timeGeneration(cpu.generator, z);
  const measured = `measured ${gpuMs.toFixed(1)} ms per image on WebGPU and ${cpuMs.toFixed(1)} ms on the CPU`;
  if (cpuMs < gpuMs) {
    free(webgpu);
    cpu.banner = `The only WebGPU adapter is a software fallback (${probe.name}): ${measured}, so the CPU backend runs this page.`;
    return cpu;
  }
  free(cpu);
  webgpu.banner = `The WebGPU adapter is a software fallback (${probe.name}), yet ${measured}, so WebGPU runs this page.`;
  return webgpu;
}
