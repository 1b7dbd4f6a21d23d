// Frames per second while a slider is dragged (issue 20, item 6), in headless Chromium on the
// CPU backend with the lab idle. The drag is driven inside the page, through the slider's own
// input events: once per animation frame (a person's drag: the display's rate), and flat out
// (an input every millisecond: what the page could draw at most). A frame is an image drawn on
// the sample canvas; the page drops a z superseded before it was generated.
//
// Usage: trunk build && node bench/drag.mjs [--seconds N] [--label NAME]
// Writes bench/results/drag-NAME.json and prints a Markdown table.

import { mkdir, writeFile } from "node:fs/promises";
import { arg, machine } from "./common.mjs";
import { serveDist, launch, openReady } from "../tests/e2e/harness.mjs";

const seconds = Number(arg("seconds", "5"));
const label = arg("label", "current");

const server = await serveDist();
const browser = await launch();
const out = {};
try {
  await openReady(browser.page, `${server.origin}/?backend=cpu`, browser.errors);
  for (const pace of ["display", "flat-out"]) {
    out[pace] = await browser.page.evaluate(async ([pace, seconds]) => {
      const slider = /** @type {HTMLInputElement} */ (document.querySelector("#sliders input[type=range]"));
      const canvas = document.getElementById("sample");
      const drawn = () => Number(canvas.dataset.frames ?? 0);
      const [low, high] = [Number(slider.min), Number(slider.max)];
      let inputs = 0;
      const move = () => {
        inputs++;
        slider.value = String(low + (high - low) * (0.5 + 0.5 * Math.sin(inputs / 20)));
        slider.dispatchEvent(new Event("input", { bubbles: true }));
      };
      const first = drawn(), t0 = performance.now();
      let rafs = 0;
      await new Promise((done) => {
        const end = t0 + seconds * 1000;
        if (pace === "display") {
          const tick = (now) => { rafs++; if (now >= end) return done(); move(); requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
        } else {
          const timer = setInterval(() => { if (performance.now() >= end) { clearInterval(timer); done(); } else move(); }, 1);
          const tick = () => { rafs++; if (performance.now() < end) requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
        }
      });
      const elapsed = (performance.now() - t0) / 1000;
      return { inputs, drawn: drawn() - first, seconds: elapsed, fps: (drawn() - first) / elapsed, displayFps: rafs / elapsed };
    }, [pace, seconds]);
    console.error(`${pace}: ${JSON.stringify(out[pace])}`);
  }
  if (browser.errors.length) throw new Error(`page errors: ${browser.errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
}

const result = {
  command: `node bench/drag.mjs --seconds ${seconds} --label ${label}`,
  date: new Date().toISOString(),
  machine: machine(),
  ...out,
};
await mkdir("bench/results", { recursive: true });
await writeFile(`bench/results/drag-${label}.json`, JSON.stringify(result, null, 2) + "\n");
console.log("| drag | inputs | images drawn | frames/s | animation frames/s |\n|---|---:|---:|---:|---:|");
for (const [pace, r] of Object.entries(out)) {
  console.log(`| ${pace === "display" ? "one input per animation frame" : "an input every millisecond"} | ${r.inputs} | ${r.drawn} | ${r.fps.toFixed(1)} | ${r.displayFps.toFixed(1)} |`);
}
