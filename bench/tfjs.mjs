// Side-by-side benchmark of the shipped MNIST generator: ours (the page's two wasm modules, as
// built in dist/) against the same network in TF.js 4.22, written two ways (bench/tfjs/
// generator.js), in one headless Chromium session. Pairs: our CPU module against TF.js's
// `wasm` backend (SIMD; threads where the page is cross-origin isolated, which this server
// makes it unless --no-isolation), and our WebGPU module against TF.js's `webgpu` backend.
// Outputs are checked equal to 3/255 before timing; times are medians after a warm-up and
// include the read-back of the pixels. Then one training iteration (D step + G step, batch
// 64) of the loss lab's GAN, ours against TF.js (bench/tfjs/train.js; TF.js's `cpu` backend
// on the CPU side, as its `wasm` one cannot train). Writes bench/results/tfjs.md (which
// bench/run.sh puts in bench/RESULTS.md) and bench/results/tfjs.json; with --no-isolation,
// tfjs-no-isolation.md and .json (TF.js's build without threads, whose pthread pool is then
// not in the page: it competes with our workers for the two cores).
// Usage: trunk build && npm ci --prefix bench && node bench/tfjs.mjs [--runs N] [--warmup N] [--batches 1,64]
//        [--pairs cpu,webgpu] [--tfjs-threads N] [--no-isolation]
//        [--train-runs N] [--train-width N] [--no-train] [--page-workers 1|2]
// --tfjs-threads asks for XNNPACK's thread count (TF.js caps it, and defaults it, at half the
// logical cores: 1 on a 2-core machine).
// Training runs default to 3 (TF.js's cpu backend takes ~20 s a step here).
// SwiftShader (the adapter here) is a CPU rasteriser: its milliseconds say nothing about a GPU.

import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { launch } from "../tests/e2e/harness.mjs";

if (!existsSync("bench/node_modules/@tensorflow/tfjs-core")) {
  console.error("TF.js is not installed for the benchmark: run npm ci --prefix bench first.");
  process.exit(2);
}

const TARGET = 0.67; // issue 20: ours ≤ 0.67× the fastest TF.js form
const PAIRS = { cpu: { ours: "cpu", tfjs: "wasm" }, webgpu: { ours: "webgpu", tfjs: "webgpu" } };
// TF.js's wasm backend cannot train (no Conv2DBackpropFilter kernel): its cpu backend stands in.
const TRAIN_PAIRS = { cpu: { ours: "cpu", tfjs: "cpu" }, webgpu: { ours: "webgpu", tfjs: "webgpu" } };
const IMAGES = "data/mnist/train-10k-images-idx3-ubyte.gz";
const WEIGHTS = "weights/mnist-generator.safetensors";

function options(argv) {
  const valued = ["--runs", "--warmup", "--batches", "--pairs", "--tfjs-threads", "--train-runs", "--train-width", "--page-workers"];
  const flags = ["--no-isolation", "--no-train"];
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    if (flags.includes(argv[i])) given[argv[i]] = true;
    else if (valued.includes(argv[i]) && i + 1 < argv.length) given[argv[i]] = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; usage: node bench/tfjs.mjs [${valued.map((v) => `${v} …`).join("] [")}] [${flags.join("] [")}]`);
  }
  const count = (name, fallback, min) => {
    const n = Number(given[name] ?? fallback);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} wants an integer ≥ ${min}`);
    return n;
  };
  const names = (given["--pairs"] ?? "cpu,webgpu").split(",");
  const bad = names.find((p) => !PAIRS[p]);
  if (bad) throw new Error(`--pairs: ${bad} is not cpu or webgpu`);
  const pairs = names.map((p) => PAIRS[p]), trainPairs = names.map((p) => TRAIN_PAIRS[p]);
  const batches = (given["--batches"] ?? "1,64").split(",").map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1 || b > 256)) throw new Error("--batches: 1 to 256 each");
  return {
    runs: count("--runs", 5, 1), warmup: count("--warmup", 1, 0), batches, pairs, trainPairs,
    isolation: !given["--no-isolation"], tfjsThreads: given["--tfjs-threads"] ? count("--tfjs-threads", 0, 1) : null,
    pageWorkers: given["--page-workers"] ? count("--page-workers", 0, 1) : null,
    train: given["--no-train"] ? null : { runs: count("--train-runs", 3, 1), width: count("--train-width", 16, 4), batch: 64 },
  };
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

// dist/ at /, TF.js's dist files at /tfjs/<package>/, the bench page at /bench-tfjs/. With
// COOP/COEP the page is cross-origin isolated: SharedArrayBuffer, so TF.js may use threads.
async function serve(isolation) {
  const roots = [["/tfjs/", (p) => join("bench/node_modules/@tensorflow", p.split("/")[0], "dist", p.split("/").slice(1).join("/"))],
    ["/bench-tfjs/", (p) => join("bench/tfjs", p)], ["/", (p) => join("dist", p)]];
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = path.endsWith("/") ? `${path}index.html` : path;
    const [prefix, map] = roots.find(([p]) => file.startsWith(p));
    const headers = isolation ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
    try {
      // tfjs-core's ES modules import one another without the ".js".
      const body = await readFile(map(file.slice(prefix.length))).catch((e) => {
        if (prefix === "/tfjs/" && !extname(file)) return readFile(map(file.slice(prefix.length)) + ".js");
        throw e;
      });
      res.writeHead(200, { ...headers, "content-type": TYPES[extname(file) || ".js"] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404, headers).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

function coreFiles() {
  const html = readFileSync("dist/index.html", "utf8");
  const json = html.match(/<script type="application\/json" id="core-files">(.*?)<\/script>/s)?.[1];
  if (!json) throw new Error("dist/index.html has no core-files entry: run `trunk build` first");
  return JSON.parse(json);
}

function machine() {
  const model = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown";
  const sh = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: "utf8" }).trim(); } catch { return "unknown"; } };
  const dirty = sh("git", ["status", "--porcelain", "--untracked-files=no"]) ? " (uncommitted changes)" : "";
  return { cpus: Number(sh("nproc", [])), model, commit: sh("git", ["rev-parse", "--short", "HEAD"]) + dirty };
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function markdown(report) {
  const { env, options: o } = report;
  const wasm = env["tfjs wasm"], adapter = env.adapter;
  const lines = [
    `# Ours against TF.js (issue 20, items 1 and 2)${o.isolation ? "" : ": the page not cross-origin isolated, so TF.js without threads"}`,
    "",
    "## Generator: one image and a 64-image grid",
    "",
    `The shipped MNIST generator (\`${WEIGHTS}\`: ${report.spec.layers.map((l) => `${l.input}→${l.output} k${l.k}/s${l.stride}/p${l.padding}`).join(", ")}; ${report.spec.imageSize}×${report.spec.imageSize}×${report.spec.channels}), ` +
      "the same weights and z in both, outputs checked equal to 3/255 before timing. Milliseconds per call, " +
      `median of ${o.runs} after ${o.warmup} warm-up (plus the equality run), contenders alternating in a rotating order in one browser session; ` +
      "each call includes uploading z and reading the RGBA pixels back (`generate(z)` for ours; `await t.data()` and the same rounding for TF.js).",
    "",
    "- **TF.js conv2dTranspose**: the network as written, `tf.conv2dTranspose` + `tf.batchNorm` + ReLU, tanh.",
    "- **TF.js sub-pixel**: batch norm folded into the weights; the first layer a fused `matMul`, the stride-1 layers fused `conv2d`, " +
      "each stride-2 layer a fused 3×3 `conv2d` over sub-pixel-packed maps (kept on the first map's grid, 4 then 16 sub-pixels a cell), one `depthToSpace` at the end. " +
      "The faster form on XNNPACK (wasm); on the webgpu backend TF.js's conv2dTranspose form can be the faster one.",
    "- **ours, module**: our wasm module called on this page's main thread, one thread (the kernels alone).",
    "- **ours, page**: the page's own facade (`www/core.js`) as the explorer's grid calls it: the work in its generation worker, " +
      "and on the CPU a batch of 8 or more split between two generation workers (two cores here; each with its own wasm instance). " +
      "Its time includes the messages to and from the workers.",
    `- Target (issue 20): ours ≤ ${TARGET}× the fastest TF.js form.`,
    "",
    "| ours | TF.js backend | batch | ours, module (ms) | ours, page (ms) | TF.js conv2dTranspose (ms) | TF.js sub-pixel (ms) | module / fastest TF.js | page / fastest TF.js | target met | max difference, /255 (page / conv2dTranspose / sub-pixel) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of report.results) {
    const m = r.medians, fastest = Math.min(m["tfjs conv2dTranspose"], m["tfjs sub-pixel"]);
    const page = m["ours, page"];
    const best = Math.min(m.ours, page ?? Infinity) / fastest;
    lines.push(`| ${r.ours} | ${r.tfjs} | ${r.batch} | ${ms(m.ours)} | ${page === undefined ? "—" : ms(page)} | ${ms(m["tfjs conv2dTranspose"])} | ${ms(m["tfjs sub-pixel"])} | ` +
      `${(m.ours / fastest).toFixed(2)}× | ${page === undefined ? "—" : `${(page / fastest).toFixed(2)}×`} | ${best <= TARGET ? "yes" : "no"} | ` +
      `${[r.maxDifference["ours, page"] ?? "—", r.maxDifference["tfjs conv2dTranspose"], r.maxDifference["tfjs sub-pixel"]].join(" / ")} |`);
  }
  if (report.training) {
    const t = report.training, { runs, width, batch } = o.train;
    lines.push("", "## Training: one iteration", "",
      `One loss-lab iteration (a D step and a G step, batch ${batch}, the lab's nets at width ${width}: G 100→${2 * width}→${width}→1, D 1→${width}→${2 * width}→1, 28×28), ` +
        `median of ${runs} after ${o.warmup} warm-up (plus one untimed first step), alternating. Ours: \`LabRun.step()\` (non-saturating). ` +
        "TF.js: the same iteration written in TF.js (`bench/tfjs/train.js`: conv2dTranspose G, `tf.train.adam`, batch norm on batch statistics with the running ones updated, " +
        "the after-update D(G(z)) and every statistic read back); its own initial weights, so the times compare the same work, not equal numbers. " +
        `TF.js's wasm backend has ${t.wasmHasFilterGradient ? "a" : "no"} \`Conv2DBackpropFilter\` kernel, so its \`cpu\` (plain JS) backend is the CPU contender.`,
      "", "| ours | TF.js backend | ours (ms) | TF.js (ms) | ours / TF.js | target met |", "|---|---|---|---|---|---|");
    for (const r of t.results) {
      const ratio = r.medians.ours / r.medians.tfjs;
      lines.push(`| ${r.ours} | ${r.tfjs} | ${ms(r.medians.ours)} | ${ms(r.medians.tfjs)} | ${ratio.toFixed(2)}× | ${ratio <= TARGET ? "yes" : "no"} |`);
    }
  }
  lines.push("", "## Set-up", "",
    `- Command: \`${report.command}\``,
    `- Date: ${report.date}; commit ${report.machine.commit}`,
    `- Machine: ${report.machine.cpus} CPUs (\`nproc\`), ${report.machine.model}`,
    `- Browser: ${env.browser ?? env.userAgent} (headless, \`--enable-unsafe-webgpu\`); \`navigator.hardwareConcurrency\` ${env.hardwareConcurrency}`,
    `- WebGPU adapter: ${adapter ? `${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`.replace(/\s+/g, " ").trim() + (adapter.fallback ? " (fallback adapter)" : "") : "none"}`,
    `- TF.js ${env.tfjs} (tfjs-core, -backend-wasm, -backend-webgpu, -backend-cpu, exact versions in package.json); wasm backend: SIMD ${wasm?.simd ? "on" : "off"}, ` +
      `cross-origin isolated ${env.crossOriginIsolated ? "yes" : "no"}, threaded build ${wasm?.threadsSupported ? "yes" : "no"}, ` +
      `XNNPACK threads ${wasm?.threads ?? "n/a"} (${o.tfjsThreads ? `--tfjs-threads ${o.tfjsThreads}` : "TF.js's default"}; TF.js caps it at half the logical cores); ours: one thread (module); the page's generation workers: ${o.pageWorkers ?? "its own count (2 where navigator.hardwareConcurrency ≥ 2)"}`,
    `- Our modules: ${Object.values(report.coreFiles).map((f) => f.wasm.replace(/^\//, "")).join(", ")}`,
    "", `Raw samples: \`bench/results/${report.name}.json\`. SwiftShader is a CPU rasteriser, so its WebGPU times say nothing absolute about a GPU.`, "");
  return lines.join("\n");
}

const opts = options(process.argv.slice(2));
const files = coreFiles();
const server = await serve(opts.isolation);
const browser = await launch();
browser.page.on("console", (m) => m.text().startsWith("[bench]") && console.log(m.text()));
try {
  // ?generationWorkers=1 measures the page's facade with one generation worker (no split).
  await browser.page.goto(`${server.origin}/bench-tfjs/index.html${opts.pageWorkers ? `?generationWorkers=${opts.pageWorkers}` : ""}`);
  const bench = (name, args) => browser.page.evaluate(async ([f, a]) => (await import("/bench-tfjs/bench.js"))[f](a), [name, args]);
  const page = await bench("run", { files, ...opts, weights: `/${WEIGHTS}` });
  if (opts.train) {
    const { runs, width, batch } = opts.train;
    page.training = await bench("runTraining", { files, pairs: opts.trainPairs, runs, warmup: opts.warmup, width, batch, images: `/${IMAGES}` });
  }
  if (browser.errors.length) throw new Error(`page errors: ${browser.errors.join("; ")}`);
  const report = {
    name: opts.isolation ? "tfjs" : "tfjs-no-isolation",
    command: `trunk build && npm ci --prefix bench && node bench/tfjs.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString(), machine: machine(), options: opts, coreFiles: files, ...page,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile(`bench/results/${report.name}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  await writeFile(`bench/results/${report.name}.md`, md);
  console.log(`\n${md}`);
} finally {
  await browser.close();
  server.close();
}
