// Trunk post_build hook. The WebGPU module is Trunk's "worker" asset, which Trunk neither
// names by content hash nor lists in the page: this renames its files by a hash of their bytes
// (so a cached copy is never paired with newer glue) and lists them in index.html's core-files
// entry, beside the CPU module's (see Trunk.toml). Fails the build when a module is missing.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const staging = process.env.TRUNK_STAGING_DIR;
const base = process.env.TRUNK_PUBLIC_URL ?? "/";
if (!staging) throw new Error("run by trunk build (TRUNK_STAGING_DIR is not set)");
const name = "gan-playground-webgpu";
const suffixes = [".js", "_bg.wasm", ".d.ts"];
const hash = createHash("sha256");
for (const suffix of suffixes.slice(0, 2)) hash.update(readFileSync(join(staging, name + suffix)));
const hashed = `${name}-${hash.digest("hex").slice(0, 16)}`;
for (const suffix of suffixes) renameSync(join(staging, name + suffix), join(staging, hashed + suffix));
const webgpu = { js: `${base}${hashed}.js`, wasm: `${base}${hashed}_bg.wasm` };

const page = join(staging, "index.html");
const html = readFileSync(page, "utf8");
const entry = /(<script type="application\/json" id="core-files">)(.*?)(<\/script>)/s;
const match = html.match(entry);
if (!match) throw new Error("index.html has no core-files entry");
const listed = JSON.parse(match[2]);
if (!listed.cpu) throw new Error("the core-files entry has no cpu module");
writeFileSync(page, html.replace(entry, (_, open, _json, close) => open + JSON.stringify({ ...listed, webgpu }) + close));
console.log(`core-files: cpu ${listed.cpu.wasm}, webgpu ${webgpu.wasm}`);
