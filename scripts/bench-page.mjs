// Benchmarks the page's wasm API in headless Chromium (Debian's, WebGPU via SwiftShader):
// generation on WebGPU and on the CPU backend, and one loss-lab step on each. It runs its own
// instance of the core on the page's main thread, so it measures the core alone (the page
// itself does this work in its workers; see bench/live.mjs for the page under load).
// Usage: trunk build && node scripts/bench-page.mjs [--dist DIR]   (prints a Markdown table;
// --dist serves another build, for a before/after)
// Timings are medians after a warm-up; SwiftShader says nothing absolute about a real GPU, so
// read the WebGPU/CPU ratio, not the milliseconds.

import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const dist = process.argv.includes("--dist") ? process.argv[process.argv.indexOf("--dist") + 1] : "dist";
const server = await serveDist(dist);
const browser = await launch();
try {
  await openReady(browser.page, `${server.origin}/?backend=cpu`, browser.errors);
  const rows = await browser.page.evaluate(async () => {
    // The WebGPU module has both engines; the CPU module (what the page starts on) is timed too.
    const files = JSON.parse(document.getElementById("core-files").textContent);
    const w = await import(files.webgpu.js);
    await w.default({ module_or_path: files.webgpu.wasm });
    const c = await import(files.cpu.js);
    await c.default({ module_or_path: files.cpu.wasm });
    const median = async (f, runs) => {
      await f();
      const times = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await f();
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
    };
    const bytes = new Uint8Array(await (await fetch("weights/mnist-generator.safetensors")).arrayBuffer());
    const images = new Uint8Array(await (await fetch("data/mnist/train-10k-images-idx3-ubyte.gz")).arrayBuffer());
    const engines = { cpu: [w, w.Engine.cpu()], webgpu: [w, await w.Engine.webgpu()], cpuModule: [c, c.Engine.cpu()] };
    const out = {};
    for (const [name, [w, engine]] of Object.entries(engines)) {
      const data = w.Dataset.decode(images);
      const g = engine.loadGenerator(bytes);
      out[name] = {};
      for (const n of [1, 64]) {
        const z = w.sampleLatent("normal", n, 100, 0);
        out[name][`generate ${n}`] = await median(() => g.generate(z), 5);
      }
      const head = w.LabHeadStart.create(engine, data, { headStart: 0 });
      const snapshot = await head.handOver();
      const runs = ["saturating", "non_saturating"].map((cost) => w.LabRun.restore(engine, data, snapshot, cost));
      out[name]["lab step (both runs)"] = await median(async () => {
        for (const run of runs) await run.step();
      }, 3);
      for (const x of [head, ...runs, data]) x.free();
    }
    return out;
  });
  const adapter = await browser.page.evaluate(async () => {
    const a = await navigator.gpu.requestAdapter();
    return `${a.info.vendor} ${a.info.architecture}${a.info.isFallbackAdapter ? " (fallback)" : ""}`;
  });
  console.log(`WebGPU adapter: ${adapter}\n`);
  console.log("| measurement | WebGPU (ms) | CPU backend (ms) | WebGPU / CPU | CPU backend, CPU module (ms) |\n|---|---|---|---|---|");
  for (const key of Object.keys(rows.cpu)) {
    const [g, c, m] = [rows.webgpu[key], rows.cpu[key], rows.cpuModule[key]];
    console.log(`| ${key} | ${g.toFixed(1)} | ${c.toFixed(1)} | ${(g / c).toFixed(1)}× | ${m.toFixed(1)} |`);
  }
  if (browser.errors.length) throw new Error(browser.errors.join("; "));
} finally {
  await browser.close();
  server.close();
}
