// Our CPU path in the browser against the same Rust natively (issue 20, item 3): the shipped
// MNIST generator, z in and RGBA bytes out, batch 1 and 64, one thread each. The page's CPU
// module runs on a page's main thread (wasm, SIMD128, no threads); natively Burn's CPU backend
// runs in the release CLI (`bench-generate`, RAYON_NUM_THREADS=1). Rounds alternate the two;
// each side's figure is the median over every round's calls, after a warm-up.
//
// Usage: trunk build && cargo build --release && node bench/browser-vs-native.mjs [--rounds N] [--runs N] [--cli PATH]
// Writes bench/results/browser-vs-native.json and prints a Markdown table.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { arg, median, machine } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const rounds = Number(arg("rounds", "3"));
const runs = Number(arg("runs", "9"));
const cli = arg("cli", `${process.env.CARGO_TARGET_DIR ?? "target"}/release/gan-playground`);
const WEIGHTS = "weights/mnist-generator.safetensors";
const BATCHES = [1, 64];
if (!existsSync(cli)) {
  console.error(`no release CLI at ${cli}: run cargo build --release (or give --cli PATH)`);
  process.exit(2);
}


function native() {
  const stdout = execFileSync(cli, ["bench-generate", "--weights", `assets/${WEIGHTS}`, "--batches", BATCHES.join(","), "--runs", String(runs)],
    { encoding: "utf8", env: { ...process.env, RAYON_NUM_THREADS: "1" } });
  return Object.fromEntries(JSON.parse(stdout).results.map((r) => [r.batch, r.samplesMs]));
}

const server = await serveDist();
const browser = await launch();
const samples = { browser: {}, native: {} };
for (const side of Object.values(samples)) for (const b of BATCHES) side[b] = [];
try {
  await openReady(browser.page, `${server.origin}/?backend=cpu`, browser.errors);
  for (let round = 0; round < rounds; round++) {
    const page = await browser.page.evaluate(async ([weights, batches, runs]) => {
      const files = JSON.parse(document.getElementById("core-files").textContent);
      const c = await import(files.cpu.js);
      await c.default({ module_or_path: files.cpu.wasm });
      const engine = c.Engine.cpu();
      const g = engine.loadGenerator(new Uint8Array(await (await fetch(weights)).arrayBuffer()));
      const out = {};
      for (const batch of batches) {
        const z = c.sampleLatent("normal", batch, 100, 0);
        await g.generate(z); // warm-up
        out[batch] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          await g.generate(z);
          out[batch].push(performance.now() - t0);
        }
      }
      g.free();
      engine.free();
      return out;
    }, [WEIGHTS, BATCHES, runs]);
    const here = native();
    for (const b of BATCHES) {
      samples.browser[b].push(...page[b]);
      samples.native[b].push(...here[b]);
    }
    console.error(`round ${round + 1}: ${BATCHES.map((b) => `batch ${b}: browser ${median(page[b]).toFixed(1)} ms, native ${median(here[b]).toFixed(1)} ms`).join("; ")}`);
  }
  if (browser.errors.length) throw new Error(`page errors: ${browser.errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
}

const rows = BATCHES.map((batch) => {
  const b = median(samples.browser[batch]), n = median(samples.native[batch]);
  return { batch, browserMs: b, nativeMs: n, ratio: b / n };
});
const result = {
  command: `node bench/browser-vs-native.mjs --rounds ${rounds} --runs ${runs}`,
  date: new Date().toISOString(),
  machine: machine(),
  rows, samples,
};
await mkdir("bench/results", { recursive: true });
await writeFile("bench/results/browser-vs-native.json", JSON.stringify(result, null, 2) + "\n");
console.log("| batch | browser, CPU module (ms) | native flex, 1 thread (ms) | browser / native | target ≤ 1.5× |\n|---:|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.batch} | ${r.browserMs.toFixed(1)} | ${r.nativeMs.toFixed(1)} | ${r.ratio.toFixed(2)}× | ${r.ratio <= 1.5 ? "met" : "missed"} |`);
