// The page under load, in headless Chromium on the CPU backend: how live it stays while the
// loss lab trains (frame gaps, long tasks, slider-to-pixels latency), the lab's steps per
// second with one and with two lab workers, and the wasm heap across 50 model switches.
//
// Usage: trunk build && node bench/live.mjs [--dist DIR] [--label NAME] [--seconds N] [--rounds N]
// Writes bench/results/live-NAME.json and prints a Markdown table. It drives the page only
// through its controls, so it measures an older build (one with no workers) the same way.

import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { arg } from "./common.mjs";
import { serveDist, launch, openReady, waitReady } from "../tests/e2e/harness.mjs";

const dist = arg("dist", "dist");
const label = arg("label", "current");
const seconds = Number(arg("seconds", "15"));
const ROUNDS = Number(arg("rounds", "5"));

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

// Before the page's own scripts: collect frame gaps and long tasks, and (for a build that
// instantiates the core on the main thread with Trunk's loader) keep its wasm memory.
// The frame-gap loop runs only while frames are recorded: a 60 Hz loop of the benchmark's own
// would otherwise take CPU from the lab in the steps-per-second sessions.
function instrument() {
  window.__bench = { gaps: [], longTasks: [] };
  let last = 0;
  const tick = (t) => {
    if (!window.__bench.recording) {
      last = 0;
      return;
    }
    if (last) window.__bench.gaps.push(t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  window.__bench.record = () => {
    window.__bench.recording = true;
    requestAnimationFrame(tick);
  };
  new PerformanceObserver((list) => {
    if (window.__bench.recording) for (const e of list.getEntries()) window.__bench.longTasks.push(e.duration);
  }).observe({ type: "longtask", buffered: false });
  addEventListener("TrunkApplicationStarted", (e) => { window.__bench.memory = e.detail?.wasm?.memory; });
}

async function heap(page) {
  return page.evaluate(async () => {
    if (globalThis.ganPlayground) return globalThis.ganPlayground.core.memory("generation");
    return window.__bench.memory?.buffer.byteLength ?? NaN;
  });
}

// Trains the lab and, while it does, moves one slider after another: each move waits for the
// previous one's image, so the next frame drawn after a move is that move's.
async function underLoad(page, withSliders) {
  await page.getByLabel("D head start (steps)").fill("10");
  await page.getByLabel("D head start (steps)").press("Enter");
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => Number(document.getElementById("lab-panel").dataset.iteration ?? 0) >= 3, null, { timeout: 600_000 });
  return page.evaluate(async ({ seconds, withSliders }) => {
    const iteration = () => Number(document.getElementById("lab-panel").dataset.iteration ?? 0);
    const canvas = document.getElementById("sample");
    const frames = () => Number(canvas.dataset.frames ?? 0);
    const latencies = [];
    window.__bench.gaps.length = 0;
    window.__bench.longTasks.length = 0;
    if (withSliders) window.__bench.record();
    const start = performance.now(), startIteration = iteration();
    let k = 0;
    while (performance.now() - start < seconds * 1000) {
      if (!withSliders) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      const input = document.getElementById(`z-${k % 100}`);
      const before = frames();
      const t0 = performance.now();
      input.value = String(k % 2 ? -2 : 2);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      while (frames() === before && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 1));
      latencies.push(performance.now() - t0);
      k++;
      await new Promise((r) => setTimeout(r, 100));
    }
    window.__bench.recording = false;
    const elapsed = (performance.now() - start) / 1000;
    return {
      latencies, gaps: window.__bench.gaps.slice(), longTasks: window.__bench.longTasks.slice(),
      stepsPerSecond: (iteration() - startIteration) / elapsed,
    };
  }, { seconds, withSliders });
}

async function session(server, query, body) {
  const browser = await launch();
  try {
    await browser.page.addInitScript(instrument);
    await openReady(browser.page, `${server.origin}/?backend=cpu${query}`, browser.errors);
    return await body(browser.page);
  } finally {
    await browser.close();
  }
}

const server = await serveDist(dist);
const out = { label, dist, date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, seconds };
try {
  out.live = await session(server, "", (page) => underLoad(page, true));
  // One and two lab workers alternately, ROUNDS times each (this VM's speed drifts between
  // sessions); the medians are compared.
  out.lab1 = [];
  out.lab2 = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const workers of [1, 2]) {
      const r = await session(server, `&labWorkers=${workers}`, (page) => underLoad(page, false));
      out[`lab${workers}`].push(r.stepsPerSecond);
    }
  }
  out.heap = await session(server, "", async (page) => {
    const sizes = [];
    const models = ["fashion", "emoji", "mnist"];
    for (let i = 0; i < 50; i++) {
      await page.getByLabel("Model").selectOption(models[i % 3]);
      await waitReady(page);
      sizes.push(await heap(page));
    }
    return sizes;
  });
  out.browser = await session(server, "", (page) => page.evaluate(() => navigator.userAgent));
} finally {
  server.close();
}

await mkdir("bench/results", { recursive: true });
await writeFile(`bench/results/live-${label}.json`, JSON.stringify(out, null, 1));
const ms = (v) => (Number.isFinite(v) ? v.toFixed(0) : "–");
const { live } = out;
console.log(`${label}: ${dist}, ${out.cpus} cores, ${out.browser}\n`);
console.log("| while the lab trains (CPU backend) | median | p95 | max |\n|---|---|---|---|");
console.log(`| frame gap (ms) | ${ms(quantile(live.gaps, 0.5))} | ${ms(quantile(live.gaps, 0.95))} | ${ms(Math.max(...live.gaps))} |`);
console.log(`| slider to pixels (ms, ${live.latencies.length} moves) | ${ms(quantile(live.latencies, 0.5))} | ${ms(quantile(live.latencies, 0.95))} | ${ms(Math.max(...live.latencies))} |`);
console.log(`| long tasks (${live.longTasks.length}, ms) | ${ms(quantile(live.longTasks, 0.5))} | ${ms(quantile(live.longTasks, 0.95))} | ${ms(Math.max(0, ...live.longTasks))} |`);
const [one, two] = [quantile(out.lab1, 0.5), quantile(out.lab2, 0.5)];
const list = (xs) => xs.map((x) => x.toFixed(2)).join(", ");
console.log(`\nlab steps/s: ${live.stepsPerSecond.toFixed(2)} while sliders move; with ?labWorkers=1 ${list(out.lab1)} (median ${one.toFixed(2)}), with ?labWorkers=2 ${list(out.lab2)} (median ${two.toFixed(2)}): ×${(two / one).toFixed(2)}`);
console.log(`wasm heap across 50 model switches (MB): after 5 ${(out.heap[4] / 2 ** 20).toFixed(1)}, after 50 ${(out.heap[49] / 2 ** 20).toFixed(1)}`);
