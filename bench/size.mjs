// Transfer size of what the page ships, weights and datasets apart, raw, gzip -9 and brotli 11:
// the CPU core (wasm and its wasm-bindgen glue), the WebGPU core (fetched only when WebGPU is
// wanted), and the page (index.html, www/ JS and CSS). "First load" is the CPU core and the page.
// Usage: trunk build && node bench/size.mjs [--json]
import { readdirSync, readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const files = [
  ...readdirSync("dist").filter((f) => /\.(wasm|js)$/.test(f)).map((f) => `dist/${f}`),
  "dist/index.html",
  ...readdirSync("dist/www").filter((f) => /\.(js|css)$/.test(f)).map((f) => `dist/www/${f}`),
];
const rows = files.map((file) => {
  const bytes = readFileSync(file);
  return {
    file,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const part = (r) => r.file.startsWith("dist/gan-playground-cpu-") ? "cpu" : r.file.startsWith("dist/gan-playground-webgpu-") ? "webgpu" : "page";
const groups = {
  "CPU core": (r) => part(r) === "cpu",
  "WebGPU core": (r) => part(r) === "webgpu",
  "page (HTML, JS, CSS)": (r) => part(r) === "page",
  "first load (CPU core + page)": (r) => part(r) !== "webgpu",
  "everything": () => true,
};
const total = Object.fromEntries(Object.entries(groups).map(([name, pick]) => {
  const picked = rows.filter(pick);
  return [name, Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, picked.reduce((s, r) => s + r[k], 0)]))];
}));
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ rows, total }, null, 2));
} else {
  const mb = (n) => (n / 1e6).toFixed(3);
  console.log("| | raw (MB) | gzip -9 (MB) | brotli 11 (MB) |\n|---|---|---|---|");
  for (const [name, t] of Object.entries(total)) console.log(`| ${name} | ${mb(t.raw)} | ${mb(t.gzip)} | ${mb(t.brotli)} |`);
}
