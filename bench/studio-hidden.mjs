// The studio's training speed while its tab is in front, behind another tab (hidden), and in
// front again: Chromium in a real window on Xvfb, driven over the DevTools protocol alone
// (tests/e2e/window.mjs), with the browser's own backgrounding: none of the switches with
// which Playwright keeps a page running as if in front (--disable-renderer-backgrounding,
// --disable-background-timer-throttling, --disable-backgrounding-occluded-windows).
//
// Usage: trunk build && node bench/studio-hidden.mjs [--seconds 60] [--dist DIR]
// Writes bench/results/studio-hidden.json and prints a Markdown table.

import { mkdir, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { arg, machine } from "./common.mjs";
import { serveDist } from "../tests/e2e/harness.mjs";
import { realWindow } from "../tests/e2e/window.mjs";

const seconds = Number(arg("seconds", "60"));
const server = await serveDist(arg("dist", "dist"));
const tab = await realWindow(`${server.origin}/?backend=cpu#studio`);
const iteration = 'Number(document.getElementById("studio-panel").dataset.iteration ?? 0)';
try {
  await tab.until('document.body.dataset.ready === "true"', "the page is ready");
  await tab.evaluate('document.getElementById("studio-target").value = "1000000"');
  await tab.evaluate('document.getElementById("studio-play").click()');
  await tab.until(`${iteration} >= 20`, "the run is under way");
  const phases = [];
  for (const state of ["visible", "hidden", "visible again"]) {
    if (state === "hidden") await tab.hide();
    else await tab.show();
    await tab.until(`document.visibilityState === "${state === "hidden" ? "hidden" : "visible"}"`, state);
    const [i0, t0] = [await tab.evaluate(iteration), Date.now()];
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const [i1, t1] = [await tab.evaluate(iteration), Date.now()];
    phases.push({ state, steps: i1 - i0, seconds: (t1 - t0) / 1000, stepsPerSecond: (i1 - i0) / ((t1 - t0) / 1000) });
  }
  const settings = await tab.evaluate("globalThis.ganPlayground.studio.controls.settings()");
  await tab.evaluate('document.getElementById("studio-play").click()');
  if (tab.errors.length) throw new Error(tab.errors.join("; "));
  const result = {
    command: `node bench/studio-hidden.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString(),
    machine: machine(),
    browser: execFileSync("/usr/bin/chromium", ["--version"]).toString().trim(),
    backend: "cpu",
    settings,
    phases,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile("bench/results/studio-hidden.json", `${JSON.stringify(result, null, 2)}\n`);
  console.log("| tab | steps | seconds | steps/s |\n|---|---|---|---|");
  for (const p of phases) console.log(`| ${p.state} | ${p.steps} | ${p.seconds.toFixed(1)} | ${p.stepsPerSecond.toFixed(2)} |`);
} finally {
  await tab.close();
  server.close();
}
