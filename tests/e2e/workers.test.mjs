// The core in Web Workers, in a real browser: the page stays live while the lab trains, the
// lab's two workers give the statistics of one exactly, a worker that dies is reported and
// restored, and model switches leave no wasm heap behind.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, visit as harnessVisit, canvasPixels, frames, nextFrame, maxDifference, untilIteration, setHeadStart, settled, view } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const visit = (query, body, options = {}) => harnessVisit(body, { url: `${server.origin}/${query}`, ...options });

const iteration = (page) => page.locator("#lab-panel").evaluate((el) => Number(el.dataset.iteration ?? 0));
const history = (page) => page.evaluate(() => JSON.stringify(globalThis.ganPlayground.lab.history));

// The worker whose name (its role) is `role`.
async function worker(page, role) {
  for (const w of page.workers()) {
    if (await w.evaluate(() => self.name).catch(() => null) === role) return w;
  }
  throw new Error(`no ${role} worker`);
}

for (const backend of ["cpu", "webgpu"]) {
  test(`${backend}: while the lab trains, a slider still changes the image`, async () => {
    await visit(`?backend=${backend}`, async (page) => {
      assert.equal(await page.evaluate(() => document.body.dataset.backend), backend);
      await view(page, "lab");
      await setHeadStart(page, 2);
      await page.getByRole("button", { name: "Start" }).click();
      await untilIteration(page, 1);
      const before = await canvasPixels(page);
      const n = await frames(page);
      const at = await iteration(page);
      await view(page, "explore");
      await page.getByLabel("z0", { exact: true }).focus();
      await page.keyboard.press("End");
      await nextFrame(page, n);
      assert.ok(maxDifference(before, await canvasPixels(page)) > 0, "the slider's image was drawn");
      await untilIteration(page, at + 1);
      await view(page, "lab");
      await page.getByRole("button", { name: "Pause" }).click();
      // The charts are redrawn in a frame at most every 250 ms, so the last steps show a little later.
      const grew = await page.waitForFunction(() => {
        const d = document.querySelector("#chart-gCost path[data-run=non_saturating]")?.getAttribute("d") ?? "";
        return d.split("L").length >= 2;
      }, null, { timeout: 60_000 }).then(() => true, () => false);
      assert.ok(grew, "the lab's charts grew");
    });
  });
}

test("two lab workers give the statistics of one run after the other, bit for bit", async () => {
  const runs = {};
  for (const workers of [1, 2]) {
    await visit(`?backend=cpu&labWorkers=${workers}#lab`, async (page) => {
      await setHeadStart(page, 4);
      for (let i = 0; i < 3; i++) await page.locator("#lab-step").click();
      await untilIteration(page, 3);
      assert.equal(await page.evaluate(() => globalThis.ganPlayground.core.labWorkers.length), workers);
      runs[workers] = await history(page);
    });
  }
  assert.ok(runs[1].length > 100);
  assert.equal(runs[2], runs[1]);
});

test("a killed generation worker is reported, restarted, and shows the same image", async () => {
  await visit("?backend=cpu", async (page) => {
    const before = await canvasPixels(page);
    await (await worker(page, "generation")).evaluate(() => self.close());
    await page.waitForFunction(() => Number(document.body.dataset.recovered ?? 0) >= 1, null, { timeout: 60_000 });
    assert.match(await page.locator("#banner").textContent(), /generation worker stopped and was restarted/);
    await settled(page);
    assert.deepEqual(await canvasPixels(page), before, "the same z gives the same pixels");
    const n = await frames(page);
    await page.getByLabel("z7", { exact: true }).fill("2.5");
    await nextFrame(page, n);
    assert.ok(maxDifference(before, await canvasPixels(page)) > 0, "the sliders work again");
  });
});

test("on the CPU a large batch is split between two generation workers, into the images one worker makes", async () => {
  for (const [query, workers] of [["?backend=cpu", 2], ["?backend=cpu&generationWorkers=1", 1]]) {
    await visit(query, async (page) => {
      const result = await page.evaluate(async () => {
        const { core } = globalThis.ganPlayground;
        const z = core.pure.sampleLatent("normal", 64, core.latent, 3);
        const alone = await core.generation.call("generate", { z: Float32Array.from(z) });
        // The second worker starts and loads the model in the background after a large batch.
        await core.generate(z);
        await core.splitReady();
        const drawn = await core.generate(z);
        const differing = alone.filter((v, i) => v !== drawn[i]).length;
        return { split: core.helper?.holds === core.weights, length: drawn.length, expected: alone.length, differing,
          heap: core.helper ? await core.memory("generation-1") : 0 };
      });
      assert.equal(result.split, workers === 2, `${query}: the batch was split`);
      assert.equal(result.length, result.expected);
      assert.equal(result.differing, 0, `${query}: bytes differing from one worker's images`);
      if (workers === 2) {
        assert.ok(result.heap > 0);
        assert.ok(await worker(page, "generation-1"));
      }
    });
  }
});

test("a killed lab worker is restored from the last snapshot and goes on exactly", async () => {
  await visit("?backend=cpu&labWorkers=2#lab", async (page) => {
    await setHeadStart(page, 2);
    await page.getByRole("button", { name: "Start" }).click();
    await untilIteration(page, 22);
    await page.getByRole("button", { name: "Pause" }).click();
    await settled(page);
    const straight = JSON.parse(await history(page));
    await (await worker(page, "lab-1")).evaluate(() => self.close());
    await page.locator("#banner").filter({ hasText: "restored from their snapshots at step 20" }).waitFor({ timeout: 60_000 });
    assert.equal(await iteration(page), 20);
    assert.equal(JSON.parse(await history(page))[0].length, 20, "the charts went back with the runs");
    await page.locator("#lab-step").click();
    await untilIteration(page, 21);
    await page.locator("#lab-step").click();
    await untilIteration(page, 22);
    const again = JSON.parse(await history(page));
    for (const run of [0, 1]) assert.deepEqual(again[run].slice(20, 22), straight[run].slice(20, 22));
  });
});

test("50 model switches leave the wasm heap where it was", async () => {
  await visit("?backend=cpu", async (page) => {
    const heaps = await page.evaluate(async () => {
      const { core } = globalThis.ganPlayground;
      const names = ["mnist", "fashion", "emoji"];
      const weights = await Promise.all(names.map(async (n) =>
        new Uint8Array(await (await fetch(`weights/${n}-generator.safetensors`)).arrayBuffer())));
      const z = core.pure.sampleLatent("normal", 64, 100, 0);
      const out = [];
      for (let i = 0; i < 50; i++) {
        await core.loadGenerator(weights[i % 3]);
        await core.generate(z);
        out.push(await core.memory("generation"));
      }
      return out;
    });
    assert.equal(heaps.at(-1), heaps[5], `heap after each switch: ${heaps.join(", ")}`);
  });
});

test("a bad lab setting is refused by the core's limits before anything changes", async () => {
  await visit("?backend=cpu#lab", async (page) => {
    const max = await page.getByLabel("D steps per iteration (k)").getAttribute("max");
    assert.equal(max, String(await page.evaluate(() => globalThis.ganPlayground.core.pure.labLimits().dSteps.max)));
    await page.getByLabel("D steps per iteration (k)").fill("50");
    await page.getByLabel("D steps per iteration (k)").press("Enter");
    await page.getByRole("alert").filter({ hasText: "D steps per iteration must be a whole number from 1 to 10; got 50" }).waitFor();
    assert.equal(await page.locator("#lab-status").textContent(), "Not started");
  });
});

test("a Rust error in a worker rejects the caller's promise with its message, and the worker goes on", async () => {
  await visit("?backend=cpu", async (page) => {
    const result = await page.evaluate(async () => {
      const { core } = globalThis.ganPlayground;
      const message = (p) => p.then(() => "resolved", (e) => e.message);
      return {
        short: await message(core.generate(new Float32Array(99))),
        nan: await message(core.generate(new Float32Array(100).fill(NaN))),
        weights: await message(core.loadGenerator(new Uint8Array([1, 2, 3]))),
        after: (await core.generate(new Float32Array(100))).length,
      };
    });
    assert.match(result.short, /latent vectors of 100 values .*got 99 values/);
    assert.match(result.nan, /not a finite number/);
    assert.match(result.weights, /safetensors/);
    assert.equal(result.after, 28 * 28 * 4, "the model in use is unchanged");
  });
});
