// Bad input and racing clicks on the page: each gets a message that names what is wrong, the
// page keeps what it showed, and no page error escapes. Served files are replaced with
// Playwright's routing, so the real page reads them as a server would give them.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { serveDist, visit as harnessVisit, openReady, waitReady, canvasPixels, maxDifference, untilIteration, setHeadStart, settled, frames, nextFrame, view } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

// The browser logs every refused request ("Failed to load resource"); those are the test's
// own doing. Anything else is a page error.
const pageErrors = (errors) => errors.filter((e) => !e.startsWith("Failed to load resource"));
const visit = (body, options = {}) => harnessVisit(body, { refused: true, ...options });

const errorText = (page) => page.locator("#error").textContent();
const history = (page) => page.evaluate(() => JSON.stringify(globalThis.ganPlayground.lab.history));

// Grid tile `n` (1-based) and the big canvas after clicking it: the same model and z.
async function tileMatchesSample(page, n) {
  const drawn = await frames(page);
  await page.locator(`#grid button:nth-child(${n})`).click();
  await nextFrame(page, drawn);
  const tile = await canvasPixels(page, `#grid button:nth-child(${n}) canvas`);
  return maxDifference(tile, await canvasPixels(page)) <= 2;
}

const MANIFESTS = [
  [{ status: 404, body: "not found" }, "weights/models.json answered 404"],
  [{ body: "{ not json" }, "weights/models.json is not valid JSON"],
  [{ body: "{}" }, "weights/models.json has no \"models\" list"],
  [{ body: JSON.stringify({ default: "mnist", models: [] }) }, "weights/models.json lists no models"],
  [{ body: JSON.stringify({ default: "cats", models: [{ id: "mnist", name: "MNIST", weights: "mnist-generator.safetensors", prior: "normal" }] }) },
    "the default \"cats\" names no model (it lists mnist)"],
];

test("a malformed weights/models.json is named, with what is wrong, and raises no page error", async () => {
  await visit(async (page, errors) => {
    for (const [response, expected] of MANIFESTS) {
      await page.unroute("**/weights/models.json");
      await page.route("**/weights/models.json", (route) => route.fulfill({ status: 200, contentType: "application/json", ...response }));
      await page.goto(`${server.origin}/?backend=cpu`);
      await page.locator("#error").filter({ hasText: expected }).waitFor({ timeout: 60_000 });
      assert.match(await errorText(page), /could not be used: .*Reload to try again/);
      assert.equal(await page.evaluate(() => document.body.dataset.ready), undefined, "nothing was loaded");
      assert.deepEqual(pageErrors(errors), [], `no page error for ${expected}`);
    }
  });
});

test("a link with an unknown model and a bad z reports both, and shows the default sample", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu#model=cats&z=garbage`, errors);
    const text = await errorText(page);
    assert.match(text, /unknown model “cats”/);
    assert.match(text, /latent code could not be read/);
    assert.equal(await page.locator("#model").inputValue(), "mnist");
  });
});

test("weights that fail to load (HTTP 500) put the picker back and say what is still shown", async () => {
  await visit(async (page, errors) => {
    await page.route("**/weights/fashion-generator.safetensors", (route) => route.fulfill({ status: 500, body: "boom" }));
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    const before = await canvasPixels(page);
    await page.locator("#model").selectOption("fashion");
    await page.locator("#error").filter({ hasText: "answered 500" }).waitFor({ timeout: 60_000 });
    await waitReady(page, pageErrors(errors));
    assert.match(await errorText(page), /fashion-generator\.safetensors answered 500\. Still showing MNIST digits\./);
    assert.equal(await page.locator("#model").inputValue(), "mnist", "the picker shows what is drawn");
    assert.deepEqual(await canvasPixels(page), before);
    // The page goes on: the next choice loads.
    await page.unroute("**/weights/fashion-generator.safetensors");
    await page.locator("#model").selectOption("emoji");
    await page.waitForFunction(() => document.getElementById("sample").width === 32, null, { timeout: 60_000 });
    await waitReady(page, pageErrors(errors));
  });
});

test("a hashchange storm ends on the newest link, drawn as a fresh load of it draws it", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    const links = await page.evaluate(() => {
      const { pure } = globalThis.ganPlayground.core;
      const models = ["fashion", "emoji", "mnist"];
      return Array.from({ length: 30 }, (_, i) =>
        `#model=${models[i % 3]}&z=${pure.encodeLatent(pure.sampleLatent("normal", 1, 100, i))}`);
    });
    await page.evaluate(async (all) => {
      // Resolves once the page's own handler has taken up the newest link (it runs first).
      const last = new Promise((r) => addEventListener("hashchange", (e) => e.newURL.endsWith(all.at(-1)) && r()));
      for (const link of all) {
        location.hash = link;
        await new Promise((r) => setTimeout(r, 5));
      }
      await last;
    }, links);
    await waitReady(page, errors);
    assert.equal(await page.locator("#model").inputValue(), "mnist");
    const stormed = await canvasPixels(page);
    await page.reload();
    await waitReady(page, errors);
    assert.equal(await page.evaluate(() => location.hash), links.at(-1));
    assert.ok(maxDifference(stormed, await canvasPixels(page)) <= 2, "the newest link's image");
  });
});

test("model switches and New grid clicks during grid generation leave the grid of the last model and seed", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    const newGrid = page.getByRole("button", { name: "New grid" });
    for (const model of ["fashion", "emoji", "fashion"]) {
      await page.locator("#model").selectOption(model);
      for (let i = 0; i < 3; i++) await newGrid.click({ delay: 0 });
    }
    await page.evaluate(() => { for (let i = 0; i < 10; i++) document.getElementById("new-grid").click(); });
    await waitReady(page, errors);
    await settled(page);
    await page.waitForFunction(() => {
      const grid = document.getElementById("grid");
      return grid.dataset.seed === String(globalThis.ganPlayground.grid.seed);
    }, null, { timeout: 60_000 });
    assert.equal(await page.locator("#model").inputValue(), "fashion");
    assert.ok(await tileMatchesSample(page, 1), "tile 1 is the current model's image of its z");
    assert.ok(await tileMatchesSample(page, 64), "and so is tile 64");
  });
});

test("rapid Reset, Start and Pause clicks give the runs one clean stepping gives", async () => {
  const runs = {};
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await setHeadStart(page, 4);
    for (let i = 0; i < 3; i++) await page.locator("#lab-step").click();
    await untilIteration(page, 3);
    runs.clean = JSON.parse(await history(page));
  });
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await setHeadStart(page, 4);
    // Clicks within one task, and clicks a few milliseconds apart, as a person's land.
    const clicks = (id, n) => page.evaluate(([id, n]) => { for (let i = 0; i < n; i++) document.getElementById(id).click(); }, [id, n]);
    await clicks("lab-reset", 6);
    for (let i = 0; i < 3; i++) await page.locator("#lab-reset").click({ delay: 0 });
    await clicks("lab-run", 9); // ends running
    for (let i = 0; i < 4; i++) await page.locator("#lab-run").click({ delay: 0 }); // still running
    await untilIteration(page, 3);
    await page.getByRole("button", { name: "Pause" }).click();
    await settled(page); // no step can still arrive
    runs.clicked = JSON.parse(await history(page));
  });
  const { clean, clicked } = runs;
  for (const run of [0, 1]) {
    assert.deepEqual(clicked[run].map((s) => s.iteration), clicked[run].map((_, j) => j + 1), "one step at a time, none twice");
    assert.deepEqual(clicked[run].slice(0, 3), clean[run], "the same steps as one clean run");
  }
});

test("a backend switch during a lab step leaves no stale step; the next Step starts the lab on the new backend", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await setHeadStart(page, 2);
    await page.getByRole("button", { name: "Start" }).click();
    await untilIteration(page, 1);
    await page.locator("#backend-choice").selectOption("webgpu");
    await page.waitForFunction(() => document.body.dataset.backend === "webgpu", null, { timeout: 120_000 });
    await waitReady(page, errors);
    await settled(page); // a late step of the old runs would have arrived by now
    assert.equal(await page.locator("#lab-status").textContent(), "Not started", "the old runs are gone");
    assert.equal(JSON.parse(await history(page))[0].length, 0, "no step of the old runs arrived late");
    await page.locator("#lab-step").click();
    await untilIteration(page, 1);
    const after = JSON.parse(await history(page));
    assert.deepEqual(after.map((h) => h.map((s) => s.iteration)), [[1], [1]]);
    assert.match(page.url(), /backend=webgpu/);
  });
});

test("a gzip bomb as the lab's dataset is refused at the bound the message names", async () => {
  await visit(async (page, errors) => {
    // 80 MiB of zeros behind an idx header: about 80 KB on the wire, over the page's 64 MiB bound.
    const header = Buffer.from([0, 0, 8, 3, 0, 0, 0x6a, 0xab, 0, 0, 0, 28, 0, 0, 0, 28]); // 27,307 images of 28×28
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(80 << 20)]));
    assert.ok(bomb.length < 200_000);
    await page.route("**/data/mnist/train-10k-images-idx3-ubyte.gz", (route) => route.fulfill({ body: bomb }));
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await page.locator("#lab-step").click();
    await page.locator("#error").filter({ hasText: "the idx data is over 64 MiB, the most this reader takes" }).waitFor({ timeout: 60_000 });
    assert.match(await errorText(page), /^Loss lab: /);
    assert.equal(await page.locator("#lab-status").textContent(), "Not started");
  });
});

test("nine quick Play/Pause clicks leave one animation, moving at the speed one Play gives", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    const play = page.locator("#play");
    // How fast t moves (in periods of A to B per second) over a window short enough not to bounce.
    const speed = () => page.evaluate(async () => {
      const scrub = document.getElementById("scrub");
      const t0 = Number(scrub.value), s0 = performance.now();
      await new Promise((r) => setTimeout(r, 400));
      return Math.abs(Number(scrub.value) - t0) / ((performance.now() - s0) / 3000);
    });
    await play.click();
    const once = await speed();
    await play.click();
    assert.equal(await play.textContent(), "Play");
    await page.getByLabel("Position t").fill("0.1");
    // Within one frame, as a fast double-clicker's clicks land: no animation frame runs between them.
    await page.evaluate(() => { for (let i = 0; i < 9; i++) document.getElementById("play").click(); });
    assert.equal(await play.textContent(), "Pause", "an odd number of clicks ends playing");
    const clicked = await speed();
    assert.ok(once > 0.5 && once < 1.5, `one Play moves t at one period's speed (${once})`);
    assert.ok(clicked > 0.5 * once && clicked < 1.5 * once, `nine clicks: ${clicked} against ${once}`);
    await play.click();
  });
});
