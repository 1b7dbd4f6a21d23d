// The loss lab in a real browser: the theory plot from the core's closed forms, and the live
// run of both costs side by side.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, openReady, canvasPixels, untilIteration, settled, framesPass, view } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const sigmoid = (l) => 1 / (1 + Math.exp(-l));
// Closed forms, written here independently of the Rust core they check.
const CLOSED = {
  saturating: (d) => ({ value: Math.log(1 - d), slopeD: -1 / (1 - d), slopeLogit: -sigmoid(Math.log(d / (1 - d))) }),
  non_saturating: (d) => ({ value: -Math.log(d), slopeD: -1 / d, slopeLogit: -(1 - sigmoid(Math.log(d / (1 - d)))) }),
};

async function probeRows(page) {
  return page.locator("#probe-table tbody tr").evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.cost, [...r.cells].slice(1).map((c) => Number(c.textContent))])));
}

test("theory plot: both curves drawn, and the probe's values and slopes match the closed forms", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  try {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    for (const cost of ["saturating", "non_saturating"]) {
      const d = await page.locator(`#theory path[data-cost=${cost}]`).getAttribute("d");
      assert.ok(d.split("L").length > 300, `${cost} curve has its points`);
    }
    for (const at of [0.05, 0.25, 0.9]) {
      await page.getByLabel("Probe D(G(z))").fill(String(at));
      const rows = await probeRows(page);
      for (const [cost, f] of Object.entries(CLOSED)) {
        const want = f(at);
        const [value, slopeD, slopeLogit] = rows[cost];
        assert.ok(Math.abs(value - want.value) < 1e-4, `${cost} value at ${at}: ${value} vs ${want.value}`);
        assert.ok(Math.abs(slopeD - want.slopeD) < 1e-4, `${cost} slope at ${at}: ${slopeD} vs ${want.slopeD}`);
        assert.ok(Math.abs(slopeLogit - want.slopeLogit) < 1e-4, `${cost} logit slope at ${at}`);
      }
    }
    // The tutorial's mistake, corrected: at D(G(z)) = 0 the minimax slope is −1, not 0 …
    await page.getByLabel("Probe D(G(z))").fill("0");
    assert.equal((await probeRows(page)).saturating[1], -1);
    // … and it is the logit slope that vanishes there.
    assert.equal(Math.abs((await probeRows(page)).saturating[2]), 0);
    await page.getByLabel("Show", { exact: true }).selectOption("slopeLogit");
    await page.getByLabel("maximum-likelihood cost").check();
    assert.equal(await page.locator("#theory path[data-cost]").count(), 3);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("live run: both runs' curves, overlays and grids update; pause stops them; bad input is refused", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  const iteration = () => page.locator("#lab-panel").evaluate((el) => Number(el.dataset.iteration ?? 0));
  try {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await page.getByLabel("D head start (steps)").fill("20");
    await page.getByRole("button", { name: "Start" }).click();
    await untilIteration(page, 5, 180_000);
    await page.getByRole("button", { name: "Pause" }).click();
    await settled(page);
    const paused = await iteration();
    await framesPass(page);
    assert.equal(await iteration(), paused, "no steps while paused");
    assert.equal(await page.evaluate(() => globalThis.ganPlayground.core.outstanding()), 0, "nor any step asked for");

    for (const run of ["saturating", "non_saturating"]) {
      for (const chart of ["gCost", "dLoss", "dReal", "dFakeBefore", "gGradNorm"]) {
        const d = await page.locator(`#chart-${chart} path[data-run=${run}]`).getAttribute("d");
        assert.equal(d.split("L").length, paused, `${chart} of ${run} has one point per step`);
      }
      // Each of the batch's 32 values is a dot on the curve, or a marker at the edge where it is off scale.
      const batch = page.locator(`#theory [data-batch=${run}]`);
      assert.equal(await batch.locator("circle").count() + await batch.locator(".off-scale").count(), 32, "batch on the curve");
      assert.equal(await page.locator(`#theory [data-rug=${run}] line`).count(), 32, "rug");
      const pixels = await canvasPixels(page, `#lab-samples-${run}`);
      assert.equal(pixels.length, 4 * 28 * 4 * 28 * 4);
      assert.ok(new Set(pixels).size > 10, `${run} grid drawn`);
    }
    // A bad learning rate is refused with a message and leaves the run as it was.
    await page.getByLabel("Learning rate", { exact: true }).fill("-1");
    await page.getByLabel("Learning rate", { exact: true }).press("Enter");
    await page.getByRole("alert").filter({ hasText: "Learning rate must be" }).waitFor();
    assert.equal(await iteration(), paused);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
