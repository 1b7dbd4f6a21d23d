// G's stride-2 layers as Burn's transposed convolution or as the sub-pixel convolution (the same
// function: src/model/subpixel.rs), timed where the product runs them (issue 32):
//   - natively, Burn's CPU backend (`bench-generate --upsample`, one thread, the CLI given);
//   - in headless Chromium, the CPU module and the WebGPU module (SwiftShader here), each
//     instance told `chooseUpsample` first;
// generating the 64-image grid and a single image from each shipped generator. Rounds alternate
// the two choices; each figure is the median of every round's calls, after a warm-up.
// Studio steps/s on each choice come from bench/studio-speed.mjs --upsample.
//
// Usage: trunk build && cargo build && node bench/upsample.mjs [--rounds N] [--runs N] [--cli PATH] [--webgpu-runs N]
// Writes bench/results/upsample.json and prints a Markdown table.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { arg, median, machine } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const rounds = Number(arg("rounds", "3"));
const runs = Number(arg("runs", "7"));
const webgpuRuns = Number(arg("webgpu-runs", "2"));
const cli = arg("cli", `${process.env.CARGO_TARGET_DIR ?? "target"}/debug/gan-playground`);
const MODELS = ["mnist", "fashion", "emoji"];
const BATCHES = [1, 64];
const CHOICES = ["transposed", "sub-pixel"];
if (!existsSync(cli)) {
  console.error(`no CLI at ${cli}: run cargo build (or give --cli PATH)`);
  process.exit(2);
}

function native(model, upsample) {
  const stdout = execFileSync(cli, ["bench-generate", "--weights", `assets/weights/${model}-generator.safetensors`,
    "--batches", BATCHES.join(","), "--runs", String(runs), "--upsample", upsample],
  { encoding: "utf8", env: { ...process.env, RAYON_NUM_THREADS: "1" } });
  return Object.fromEntries(JSON.parse(stdout).results.map((r) => [r.batch, r.samplesMs]));
}

// One instance of the page's `kind` module, generating with each model and choice.
async function inPage(page, kind, calls) {
  return page.evaluate(async ([kind, models, batches, choices, calls]) => {
    const files = JSON.parse(document.getElementById("core-files").textContent);
    const c = await import(files[kind].js);
    await c.default({ module_or_path: files[kind].wasm });
    const engine = kind === "webgpu" ? await c.Engine.webgpu() : c.Engine.cpu();
    const out = {};
    for (const model of models) {
      const g = engine.loadGenerator(new Uint8Array(await (await fetch(`weights/${model}-generator.safetensors`)).arrayBuffer()));
      for (const choice of choices) {
        c.chooseUpsample(choice);
        for (const batch of batches) {
          const z = c.sampleLatent("normal", batch, g.latent, 0);
          await g.generate(z); // warm-up (and, on WebGPU, the kernels' compilation)
          const times = [];
          for (let i = 0; i < calls; i++) {
            const t0 = performance.now();
            await g.generate(z);
            times.push(performance.now() - t0);
          }
          out[`${model}/${choice}/${batch}`] = times;
        }
      }
      g.free();
    }
    engine.free();
    return out;
  }, [kind, MODELS, BATCHES, CHOICES, calls]);
}

const server = await serveDist();
const browser = await launch({ webgpu: true });
const samples = {};
let gpu = null;
const add = (key, times) => { (samples[key] ??= []).push(...times); };
try {
  await openReady(browser.page, `${server.origin}/?backend=cpu`, browser.errors);
  for (let round = 0; round < rounds; round++) {
    for (const [key, times] of Object.entries(await inPage(browser.page, "cpu", runs))) add(`cpu/${key}`, times);
    for (const model of MODELS) {
      for (const choice of CHOICES) {
        for (const [batch, times] of Object.entries(native(model, choice))) add(`native/${model}/${choice}/${batch}`, times);
      }
    }
    console.error(`round ${round + 1} of ${rounds} done`);
  }
  // WebGPU on SwiftShader is slow: one round, few calls.
  gpu = await browser.page.evaluate(() => navigator.gpu?.requestAdapter().then((a) => (a ? [a.info?.vendor, a.info?.architecture, a.info?.description].filter(Boolean).join(" ") || "an adapter" : null)));
  if (gpu) for (const [key, times] of Object.entries(await inPage(browser.page, "webgpu", webgpuRuns))) add(`webgpu/${key}`, times);
  if (browser.errors.length) throw new Error(`page errors: ${browser.errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
}

const rows = [];
for (const where of ["native", "cpu", "webgpu"]) {
  for (const model of MODELS) {
    for (const batch of BATCHES) {
      const [t, s] = CHOICES.map((c) => samples[`${where}/${model}/${c}/${batch}`]);
      if (!t || !s) continue;
      rows.push({ where, model, batch, transposedMs: median(t), subPixelMs: median(s), ratio: median(s) / median(t) });
    }
  }
}
const result = {
  command: `node bench/upsample.mjs --rounds ${rounds} --runs ${runs} --webgpu-runs ${webgpuRuns} --cli ${cli}`,
  date: new Date().toISOString(),
  machine: machine(),
  browser: execFileSync("/usr/bin/chromium", ["--version"]).toString().trim(),
  webgpuAdapter: gpu,
  rows, samples,
};
await mkdir("bench/results", { recursive: true });
await writeFile("bench/results/upsample.json", JSON.stringify(result, null, 2) + "\n");
const where = { native: "native, Burn's CPU backend, 1 thread", cpu: "browser, CPU module", webgpu: "browser, WebGPU (SwiftShader)" };
console.log("| where | generator | batch | transposed (ms) | sub-pixel (ms) | sub-pixel / transposed |\n|---|---|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${where[r.where]} | ${r.model} | ${r.batch} | ${r.transposedMs.toFixed(1)} | ${r.subPixelMs.toFixed(1)} | ${r.ratio.toFixed(2)}× |`);
