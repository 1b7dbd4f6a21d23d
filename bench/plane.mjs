// The lab in data space in headless Chromium on the CPU path, default set-up (the ring, batch
// 256, G and D of 3 hidden layers × 64, both runs): training iterations per second per run,
// frames drawn per second, and the page's frame gaps (every animation frame, p95) while it
// plays, at each speed (iterations per frame).
//
// Usage: trunk build && node bench/plane.mjs [--seconds N] [--rounds N] [--speeds 1,2,5]
// Writes bench/results/plane.json and prints a Markdown table.

import { mkdir, writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { arg, machine, median } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const seconds = Number(arg("seconds", "10"));
const rounds = Number(arg("rounds", "3"));
const speeds = arg("speeds", "1,2,5").split(",").map(Number);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

async function session(server, speed) {
  const browser = await launch();
  try {
    const { page } = browser;
    await openReady(page, `${server.origin}/?backend=cpu#lab`, browser.errors);
    await page.locator("#plane-panel").scrollIntoViewIfNeeded();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame && !globalThis.ganPlayground.plane.building, null, { timeout: 600_000 });
    await page.locator("#plane-speed").selectOption(String(speed));
    // Count the panel's own redraws by wrapping the function that draws a frame's runs.
    return await page.evaluate(async (seconds) => {
      const { plane } = globalThis.ganPlayground;
      const gaps = [];
      let drawn = 0, last = 0, recording = true;
      const tick = (t) => {
        if (last) gaps.push(t - last);
        last = t;
        if (recording) requestAnimationFrame(tick);
      };
      const canvas = document.getElementById("plane-run-0");
      const marks = () => canvas.marks;
      let seen = marks();
      const count = () => {
        if (marks() !== seen) { drawn++; seen = marks(); }
        if (recording) requestAnimationFrame(count);
      };
      document.getElementById("plane-play").click();
      await new Promise((r) => setTimeout(r, 1000)); // past the first frames
      const start = performance.now(), from = plane.frame.iteration;
      requestAnimationFrame(tick);
      requestAnimationFrame(count);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      recording = false;
      const elapsed = (performance.now() - start) / 1000;
      const iterations = plane.frame.iteration - from;
      document.getElementById("plane-play").click();
      return { iterationsPerSecond: iterations / elapsed, framesPerSecond: drawn / elapsed, gaps };
    }, seconds);
  } finally {
    await browser.close();
  }
}

const server = await serveDist("dist");
const out = { date: new Date().toISOString(), machine: machine(), seconds, rounds, command: ["node", relative(process.cwd(), process.argv[1]), ...process.argv.slice(2)].join(" "), speeds: {} };
try {
  for (const speed of speeds) {
    const runs = [];
    for (let r = 0; r < rounds; r++) runs.push(await session(server, speed));
    const gaps = runs.flatMap((r) => r.gaps);
    out.speeds[speed] = {
      iterationsPerSecond: runs.map((r) => r.iterationsPerSecond),
      framesPerSecond: runs.map((r) => r.framesPerSecond),
      p95GapMs: quantile(gaps, 0.95),
      maxGapMs: Math.max(...gaps),
    };
  }
} finally {
  server.close();
}
await mkdir("bench/results", { recursive: true });
await writeFile("bench/results/plane.json", JSON.stringify(out, null, 2));
console.log("| iterations per frame | iterations/s per run (median) | frames drawn/s (median) | p95 frame gap | longest gap |");
console.log("|---|---|---|---|---|");
for (const [speed, s] of Object.entries(out.speeds)) {
  console.log(`| ${speed} | ${median(s.iterationsPerSecond).toFixed(1)} | ${median(s.framesPerSecond).toFixed(1)} | ${s.p95GapMs.toFixed(1)} ms | ${s.maxGapMs.toFixed(1)} ms |`);
}
