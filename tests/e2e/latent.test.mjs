// The explorer's tools on z: named directions (SeFa: a slider moves z along its direction from
// where z is, the raw sliders follow, and each strip shows exactly what its slider gives) and
// latent arithmetic (A − B + C).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { serveDist, visit, canvasPixels, frames, nextFrame, maxDifference, settled, waitReady } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const ready = (page) => page.waitForFunction(() => document.getElementById("directions").dataset.ready === "true", null, { timeout: 120_000 });

for (const backend of ["cpu", "webgpu"]) test(`${backend}: a SeFa slider moves z along its direction from where it is; its strip shows what it gives; a raw slider starts it again from there`, async () => {
  await visit(async (page) => {
    await ready(page);
    assert.equal(await page.locator("#directions input[type=range]").count(), 5);
    assert.equal(await page.locator("#directions .strip canvas").count(), 35);
    const { base, direction } = await page.evaluate(async () => {
      const { latent, core } = globalThis.ganPlayground;
      return { base: Array.from(latent.z), direction: (await core.tools.directions("sefa", 5, "normal", null)).vectors[0] };
    });
    const before = await canvasPixels(page);
    const n = await frames(page);
    await page.getByLabel("SeFa 1", { exact: true }).fill("2");
    await nextFrame(page, n);
    assert.ok(maxDifference(before, await canvasPixels(page)) > 0, "the image changed");
    // z = base + 2·v, as a link stores it (f16), and the raw sliders show it.
    const z = await page.evaluate(() => Array.from(globalThis.ganPlayground.latent.z));
    z.forEach((v, k) => assert.ok(Math.abs(v - (base[k] + 2 * direction[k])) < 2e-3, `z${k}: ${v} against ${base[k] + 2 * direction[k]}`));
    assert.ok(Math.abs(Number(await page.locator("#z-0").inputValue()) - z[0]) <= 0.025 + 1e-9);
    // The strip's +2 frame is the image the slider made.
    await ready(page);
    const strip = await canvasPixels(page, "#directions .direction:first-child .strip canvas:nth-child(6)");
    // (On WebGPU a batch of 35 and a single image may round differently by a level.)
    assert.ok(maxDifference(strip, await canvasPixels(page)) <= (backend === "cpu" ? 0 : 2), "the strip at +2 is the image at +2");
    // A raw slider moves z itself: the directions start again from there, at 0.
    const m = await frames(page);
    await page.getByLabel("z7", { exact: true }).fill("1.5");
    await nextFrame(page, m);
    assert.equal(await page.getByLabel("SeFa 1", { exact: true }).inputValue(), "0");
    await ready(page);
    await settled(page);
  }, { url: `${server.origin}/?backend=${backend}` });
});

test("latent arithmetic: A, B and C set from the image on screen give A − B + C, which loads into the sliders and draws as shown", async () => {
  await visit(async (page) => {
    const zs = [];
    for (const [slot, seed] of [["a", 11], ["b", 12], ["c", 13]]) {
      const n = await frames(page);
      await page.locator("#seed").fill(String(seed));
      await page.locator("#seed").dispatchEvent("change");
      await nextFrame(page, n);
      zs.push(await page.evaluate(() => Array.from(globalThis.ganPlayground.latent.z)));
      await page.getByRole("button", { name: `Set ${slot.toUpperCase()}`, exact: true }).click();
    }
    await page.waitForFunction(() => document.getElementById("arith").dataset.ready === "true", null, { timeout: 120_000 });
    const want = await page.evaluate(([a, b, c]) => Array.from(globalThis.ganPlayground.core.pure.latentArithmetic(a, b, c)), zs);
    want.forEach((v, k) => assert.ok(Math.abs(v - (zs[0][k] - zs[1][k] + zs[2][k])) < 2e-2, `z${k}`));
    const result = await canvasPixels(page, "#arith-result");
    const n = await frames(page);
    await page.getByRole("button", { name: "Load", exact: true }).click();
    await nextFrame(page, n);
    assert.deepEqual(await page.evaluate(() => Array.from(globalThis.ganPlayground.latent.z)), want, "the sliders hold A − B + C");
    assert.deepEqual(await canvasPixels(page), result, "the explorer draws what the panel showed");
    await settled(page);
  }, { url: `${server.origin}/?backend=cpu` });
});

// Each shipped generator's five strips, drawn in the page: each direction visibly changes the
// image between −3 and +3 (docs/LATENT.md shows them: `npm run screenshots` writes them).
test("strips: on every shipped generator, each SeFa direction visibly changes the image from −3 to +3", async () => {
  const shots = process.env.SCREENSHOTS;
  if (shots) mkdirSync(shots, { recursive: true });
  await visit(async (page, errors) => {
    for (const model of ["mnist", "fashion", "emoji"]) {
      await page.locator("#model").selectOption(model);
      await waitReady(page, errors);
      await page.waitForFunction((m) => document.getElementById("model").value === m, model);
      await ready(page);
      for (let i = 0; i < 5; i++) {
        const ends = [1, 7].map((k) => canvasPixels(page, `#directions .direction:nth-child(${i + 1}) .strip canvas:nth-child(${k})`));
        const [low, high] = await Promise.all(ends);
        const moved = low.filter((v, k) => k % 4 !== 3 && Math.abs(v - high[k]) > 32).length / (low.length * 0.75);
        assert.ok(moved > 0.02, `${model}, SeFa ${i + 1}: only ${(100 * moved).toFixed(1)}% of the pixel values change by more than 32 levels`);
      }
      if (shots) await page.locator("#directions .direction-list").screenshot({ path: `${shots}/directions-${model}.png` });
    }
    await settled(page);
  }, { url: `${server.origin}/?backend=cpu` });
});
