// A long lab run in headless Chromium on the CPU backend: the wasm heap of each lab worker and
// the page's JS heap, every 50 steps up to 1,000 (both runs, two lab workers, snapshots every
// 20 steps as the page takes them). A leak per step shows as a heap that keeps growing; a heap
// that settles after the first steps is the allocator's working set.
//
// Usage: trunk build && node bench/lab-heap.mjs [--steps N] [--every N] [--label NAME]
// Writes bench/results/lab-heap-NAME.json and prints a Markdown table.

import { mkdir, writeFile } from "node:fs/promises";
import { arg, machine } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const steps = Number(arg("steps", "1000"));
const every = Number(arg("every", "50"));
const label = arg("label", "current");

const server = await serveDist();
const browser = await launch();
const { page, errors } = browser;
const samples = [];
const started = Date.now();
try {
  await openReady(page, `${server.origin}/?backend=cpu&labWorkers=2`, errors);
  await page.getByRole("button", { name: "Start" }).click();
  for (let at = every; at <= steps; at += every) {
    await page.waitForFunction((k) => Number(document.getElementById("lab-panel").dataset.iteration ?? 0) >= k,
      at, { timeout: 600_000 });
    if (at === steps) await page.getByRole("button", { name: "Pause" }).click();
    const sample = await page.evaluate(async () => {
      const { core, lab } = globalThis.ganPlayground;
      return {
        step: Math.min(...lab.history.map((h) => h.length)),
        lab0: await core.memory("lab-0"),
        lab1: await core.memory("lab-1"),
        generation: await core.memory("generation"),
        jsHeap: performance.memory?.usedJSHeapSize ?? null,
      };
    });
    samples.push(sample);
    console.error(`step ${sample.step}: lab-0 ${sample.lab0} B, lab-1 ${sample.lab1} B, JS ${sample.jsHeap} B`);
  }
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
}

const mib = (b) => (b / 2 ** 20).toFixed(1);
const result = {
  command: `node bench/lab-heap.mjs --steps ${steps} --every ${every} --label ${label}`,
  date: new Date().toISOString(),
  machine: machine(),
  seconds: Math.round((Date.now() - started) / 1000),
  samples,
};
await mkdir("bench/results", { recursive: true });
await writeFile(`bench/results/lab-heap-${label}.json`, JSON.stringify(result, null, 2) + "\n");
console.log("| step | lab-0 wasm (MiB) | lab-1 wasm (MiB) | generation wasm (MiB) | JS heap (MiB) |");
console.log("|---:|---:|---:|---:|---:|");
for (const s of samples.filter((s, i) => i === 0 || i === samples.length - 1 || s.step % 200 === 0)) {
  console.log(`| ${s.step} | ${mib(s.lab0)} | ${mib(s.lab1)} | ${mib(s.generation)} | ${s.jsHeap === null ? "?" : mib(s.jsHeap)} |`);
}
