// Checks the worker protocol's JSDoc types (www/protocol.js) in the facade and the worker
// against wasm-bindgen's declarations of the core, which `trunk build` leaves in dist/.
// Usage: trunk build && npm run check-types

import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

const declarations = readdirSync("dist").find((f) => /^gan-playground-webgpu-[0-9a-f]+\.d\.ts$/.test(f));
if (!declarations) {
  console.error("dist/ has no gan-playground-webgpu-*.d.ts: run `trunk build` first");
  process.exit(1);
}
mkdirSync("dist/types", { recursive: true });
copyFileSync(`dist/${declarations}`, "dist/types/gan-core.d.ts");
let failed = false;
for (const project of ["www/tsconfig.json", "www/tsconfig.worker.json"]) {
  const run = spawnSync("node_modules/.bin/tsc", ["-p", project], { stdio: "inherit" });
  if (run.status !== 0) failed = true;
  else console.log(`${project}: the protocol's types check`);
}
process.exit(failed ? 1 : 0);
