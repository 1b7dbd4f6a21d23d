// How fast the studio's default set-up learns MNIST in headless Chromium on this machine: the
// page as a person uses it (default preset and hyperparameters, batch 64, Train), the quality
// measured in the studio worker every N steps, and the wall time from the click.
// Issue 19's target: a classifier score of at least 6 within 3 minutes, and at least 8 within
// 2,000 iterations.
//
// Usage: trunk build && node bench/studio-speed.mjs [--steps 2000] [--every 100]
//   [--backend cpu|webgpu|auto] [--label NAME] [--set key=value …] [--dist DIR]
//   [--upsample transposed|sub-pixel]
// `--set` changes a setting first, by its recipe name (e.g. --set ema=0.999 --set preset=small-28).
// Writes bench/results/studio-speed-NAME.json and prints a Markdown table.

import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { execFileSync } from "node:child_process";
import { arg } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const args = process.argv.slice(2);
const steps = Number(arg("steps", "2000"));
const every = Number(arg("every", "100"));
const backend = arg("backend", "cpu");
const label = arg("label", "default");
const upsample = arg("upsample", null);
const sets = args.flatMap((a, i) => (a === "--set" ? [args[i + 1]] : []));

const server = await serveDist(arg("dist", "dist"));
const browser = await launch({ webgpu: backend !== "cpu" });
const { page, errors } = browser;
try {
  // The set-up goes in as a recipe link: the page's own way to fill the studio.
  const defaults = await (async () => {
    await openReady(page, `${server.origin}/?backend=${backend}${upsample ? `&upsample=${upsample}` : ""}`, errors);
    return page.evaluate(() => globalThis.ganPlayground.studio.controls.settings());
  })();
  const recipe = new URLSearchParams({ recipe: "1", dataset: "mnist", target: String(steps) });
  for (const s of sets) {
    const [k, v] = s.split("=");
    recipe.set(k, v);
  }
  await page.evaluate((hash) => { location.hash = hash; }, `#${recipe}`);
  await page.getByText("The studio holds this recipe's set-up").waitFor();
  await page.locator("#studio-measure-every").fill(String(every));
  const settings = await page.evaluate(() => globalThis.ganPlayground.studio.controls.settings());
  await page.getByRole("button", { name: "Reset" }).last().click();
  await page.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === "0", null, { timeout: 120_000 });
  const t0 = Date.now();
  await page.locator("#studio-play").click();
  const progress = [];
  for (;;) {
    const it = await page.evaluate(() => Number(document.getElementById("studio-panel").dataset.iteration ?? 0));
    progress.push({ seconds: (Date.now() - t0) / 1000, iteration: it });
    if (it >= steps && await page.evaluate(() => document.getElementById("studio-play").textContent === "Train")) break;
    if (errors.length) throw new Error(errors.join("; "));
    await page.waitForTimeout(2000);
  }
  const quality = await page.evaluate(() => globalThis.ganPlayground.studio.quality);
  const rows = quality.map((q) => ({
    iteration: q.iteration,
    seconds: (q.at - t0) / 1000,
    classifierScore: q.classifierScore,
    frechetDistance: q.frechetDistance,
    floor: q.floor,
    measureMs: q.ms,
  }));
  const first = (pred) => rows.find(pred) ?? null;
  const sixAt = first((r) => r.classifierScore >= 6);
  const eightAt = first((r) => r.classifierScore >= 8);
  const total = progress.at(-1).seconds;
  const measureSeconds = rows.reduce((s, r) => s + r.measureMs / 1000, 0);
  const chromium = execFileSync("/usr/bin/chromium", ["--version"]).toString().trim();
  const result = {
    command: `node bench/studio-speed.mjs ${args.join(" ")}`.trim(),
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    browser: chromium,
    backend,
    upsample: upsample ?? "transposed",
    defaults,
    settings,
    steps,
    measureEvery: every,
    wallSeconds: total,
    stepsPerSecond: steps / total,
    imagesPerSecond: (steps * settings.batchSize * settings.dSteps) / total,
    measureSecondsTotal: measureSeconds,
    scoreSixAt: sixAt,
    scoreEightAt: eightAt,
    quality: rows,
    progress,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile(`bench/results/studio-speed-${label}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`| step | wall time (s) | classifier score | Fréchet distance (floor) | measurement (ms) |`);
  console.log(`|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.iteration} | ${r.seconds.toFixed(0)} | ${r.classifierScore.toFixed(2)} | ${r.frechetDistance.toFixed(1)} (${r.floor.toFixed(1)}) | ${r.measureMs.toFixed(0)} |`);
  console.log(`\n${steps} steps in ${total.toFixed(0)} s: ${result.stepsPerSecond.toFixed(2)} steps/s, ${result.imagesPerSecond.toFixed(0)} images/s (measurements: ${measureSeconds.toFixed(1)} s of it)`);
  console.log(`score ≥ 6: ${sixAt ? `step ${sixAt.iteration}, ${sixAt.seconds.toFixed(0)} s` : "not reached"}; score ≥ 8: ${eightAt ? `step ${eightAt.iteration}, ${eightAt.seconds.toFixed(0)} s` : "not reached"}`);
} finally {
  await browser.close();
  server.close();
}
