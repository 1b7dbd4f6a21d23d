// Projecting an image into z in the page (issue 30's targets), on the CPU path in headless
// Chromium: images the MNIST generator made from a known z, each projected as the page does it
// (www/tools-client.js: the tools worker, 10 steps a request), with the page's main thread
// watched all the while (the gaps between its animation frames).
//
// For each trial: the time to the first candidate, to the first with a pixel error ≤ 1e-2
// ("good"), to ≤ 1e-3, the best error at 3 s, and whether 1e-3 was reached within `--limit`.
//
// `--start encoder` starts each search from the shipped MNIST encoder's guess, as the page does
// (src/invert/encoder.rs); `--start prior` from draws from the prior only, as before it.
//
// Usage: trunk build && node bench/projection.mjs [--start encoder|prior] [--trials 100]
//   [--limit 10] [--dist DIR]
// Writes bench/results/projection-<start>.json and prints a summary.

import { mkdir, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { arg, machine } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const trials = Number(arg("trials", "100"));
const limit = Number(arg("limit", "10"));
const start = arg("start", "encoder");
if (!["encoder", "prior"].includes(start)) throw new Error(`--start is encoder or prior, not ${start}`);
const server = await serveDist(arg("dist", "dist"));
const browser = await launch({ webgpu: false });
try {
  await openReady(browser.page, `${server.origin}/?backend=cpu`, browser.errors);
  const runs = await browser.page.evaluate(async ({ trials, limit, start }) => {
    const { core } = globalThis.ganPlayground;
    let encoder = null;
    if (start === "encoder") {
      const response = await fetch("weights/mnist-encoder.safetensors");
      if (!response.ok) throw new Error(`the encoder answered ${response.status}`);
      encoder = new Uint8Array(await response.arrayBuffer());
      await core.tools.checkEncoder(encoder);
    }
    const out = [];
    for (let i = 0; i < trials; i++) {
      const z = core.pure.sampleLatent("normal", 1, 100, 5000 + i);
      const rgba = await core.generate(z);
      const gaps = [];
      let last = performance.now(), watching = true;
      const watch = () => { const now = performance.now(); gaps.push(now - last); last = now; if (watching) requestAnimationFrame(watch); };
      requestAnimationFrame(watch);
      const began = performance.now();
      const run = { first: null, good: null, fine: null, atThree: null, final: null, steps: 0 };
      const answer = await core.tools.project(rgba, "normal", 0, (best) => {
        const t = (performance.now() - began) / 1000;
        run.first ??= t;
        if (best.error <= 1e-2) run.good ??= t;
        if (best.error <= 1e-3) run.fine ??= t;
        if (t <= 3) run.atThree = best.error;
      }, (a) => a.error <= 1e-3 || (performance.now() - began) / 1000 >= limit, encoder);
      watching = false;
      run.final = answer.error;
      run.steps = answer.iteration;
      run.seconds = (performance.now() - began) / 1000;
      gaps.sort((a, b) => a - b);
      run.p95Gap = gaps[Math.floor(0.95 * (gaps.length - 1))];
      out.push(run);
    }
    return out;
  }, { trials, limit, start });
  if (browser.errors.length) throw new Error(browser.errors.join("; "));
  const count = (f) => runs.filter(f).length;
  const median = (xs) => { const s = xs.filter((x) => x !== null).sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };
  const summary = {
    trials,
    reachedFine: count((r) => r.fine !== null),
    fineWithin3s: count((r) => r.fine !== null && r.fine <= 3),
    goodWithin1s: count((r) => r.good !== null && r.good <= 1),
    medianFirst: median(runs.map((r) => r.first)),
    medianGood: median(runs.map((r) => r.good)),
    medianFine: median(runs.map((r) => r.fine)),
    medianErrorAt3s: median(runs.map((r) => r.atThree)),
    worstP95Gap: Math.max(...runs.map((r) => r.p95Gap)),
    medianP95Gap: median(runs.map((r) => r.p95Gap)),
  };
  const result = {
    command: `node bench/projection.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString(),
    machine: machine(),
    browser: execFileSync("/usr/bin/chromium", ["--version"]).toString().trim(),
    backend: "cpu",
    start,
    limitSeconds: limit,
    summary,
    runs,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile(`bench/results/projection-${start}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await browser.close();
  server.close();
}
