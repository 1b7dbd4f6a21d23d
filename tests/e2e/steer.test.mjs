// The explorer's tools that give z meaning, used as a person uses them: directions by PCA and
// toward a class (and in a link, which reproduces the pixels), a drawing and an image
// projected into z, and the nearest training images; with bad input refused and nothing changed.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, visit, canvasPixels, frames, nextFrame, maxDifference, settled, waitReady, png } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const ready = (page) => page.waitForFunction(() => document.getElementById("directions").dataset.ready === "true", null, { timeout: 240_000 });
const labels = (page) => page.locator("#directions .direction label").allTextContents();
const state = (page) => page.evaluate(() => document.getElementById("project").dataset.state);

for (const backend of ["cpu", "webgpu"]) test(`${backend}: PCA and class directions; "toward 7" moves the image, its link reproduces the pixels and the slider`, async () => {
  await visit(async (page, errors, browser) => {
    await ready(page);
    await page.locator("#directions-method").selectOption("pca");
    await ready(page);
    assert.deepEqual(await labels(page), ["PCA 1", "PCA 2", "PCA 3", "PCA 4", "PCA 5"]);
    await page.locator("#directions-method").selectOption("classes");
    await ready(page);
    const names = await labels(page);
    assert.ok(names.includes("toward 7") && names.length >= 8, names.join(", "));
    const before = await canvasPixels(page);
    const n = await frames(page);
    await page.getByLabel("toward 7", { exact: true }).fill("3");
    await nextFrame(page, n);
    assert.ok(maxDifference(before, await canvasPixels(page)) > 64, "the image changed");
    await page.waitForFunction(() => location.hash.includes("dir=classes:7=3"), null, { timeout: 30_000 });
    const link = await page.evaluate(() => location.href);
    const shown = await canvasPixels(page);
    await settled(page);
    // A fresh page from the link: the same pixels, the same method and the slider at 3.
    const fresh = await browser.context.newPage();
    try {
      await fresh.goto(link);
      await waitReady(fresh);
      await ready(fresh);
      assert.equal(await fresh.locator("#directions-method").inputValue(), "classes");
      assert.equal(await fresh.getByLabel("toward 7", { exact: true }).inputValue(), "3");
      assert.deepEqual(await canvasPixels(fresh), shown, "the link's pixels");
      await settled(fresh);
    } finally {
      await fresh.close();
    }
  }, { url: `${server.origin}/?backend=${backend}` });
});

test("a link's bad directions are said and change nothing: an index out of range, NaN, an unknown method; emoji has no class directions", async () => {
  await visit(async (page, errors) => {
    const z = await page.evaluate(() => globalThis.ganPlayground.core.pure.encodeLatent(globalThis.ganPlayground.latent.z));
    for (const [dir, says] of [["sefa:9=1", /direction 9 does not exist/], ["sefa:0=NaN", /amount must be a number from −3 to 3; got “NaN”/],
      ["spin:0=1", /not a method/], ["pca:0=4", /from −3 to 3; got “4”/]]) {
      await page.goto(`${server.origin}/?backend=cpu#model=mnist&z=${z}&dir=${dir}`);
      await waitReady(page);
      await ready(page);
      await page.waitForFunction(() => /Directions/.test(document.getElementById("error").textContent), null, { timeout: 30_000 });
      assert.match(await page.locator("#error").textContent(), says);
      const amounts = await page.locator("#directions .direction input").evaluateAll((inputs) => inputs.map((i) => i.value));
      assert.ok(amounts.every((a) => a === "0"), `${dir}: ${amounts}`);
      assert.equal(await page.evaluate(() => globalThis.ganPlayground.core.pure.encodeLatent(globalThis.ganPlayground.latent.z)), z, "the link's z stays");
      await settled(page);
    }
    await page.locator("#model").selectOption("emoji");
    await waitReady(page);
    await ready(page);
    const classes = page.locator("#directions-method option[value=classes]");
    assert.equal(await classes.isDisabled(), true);
    assert.match(await classes.textContent(), /no classifier/);
    await settled(page);
  }, { url: `${server.origin}/?backend=cpu` });
});

// Draws a stroke as a person does, with the mouse: a "1" down the middle of the square.
async function drawOne(page) {
  await page.locator("#project-draw").scrollIntoViewIfNeeded();
  const box = await page.locator("#project-draw").boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
}

const done = (page) => page.waitForFunction(() => ["done", "error"].includes(document.getElementById("project").dataset.state), null, { timeout: 240_000 });

for (const backend of ["cpu", "webgpu"]) test(`${backend}: a drawn stroke is projected into z, whose image loads into the explorer; undo to nothing is an empty drawing`, async () => {
  await visit(async (page) => {
    await drawOne(page);
    await done(page);
    assert.equal(await state(page), "done", await page.locator("#project-status").textContent());
    const error = Number(await page.evaluate(() => document.getElementById("project").dataset.error));
    assert.ok(error < 0.1, `pixel error ${error}`);
    // MNIST ships an encoder: the search started from its guess, and says so.
    assert.equal(await page.evaluate(() => document.getElementById("project").dataset.start), "encoder");
    assert.match(await page.locator("#project-status").textContent(), /started from the encoder's guess/);
    await settled(page);
    // The projection's z is in the sliders, and the explorer draws what the panel showed.
    assert.deepEqual(await canvasPixels(page), await canvasPixels(page, "#project-result"));
    // The projection looks like a 1: the classifier would say so; here, it is bright where the
    // stroke was (the middle column) and dark at the sides.
    const px = await canvasPixels(page);
    const at = (x, y) => px[(y * 28 + x) * 4];
    const middle = [8, 12, 16, 20].reduce((s, y) => s + at(14, y), 0) / 4;
    const side = [8, 12, 16, 20].reduce((s, y) => s + at(3, y) + at(24, y), 0) / 8;
    assert.ok(middle > side + 100, `middle ${middle}, sides ${side}`);
    await page.getByRole("button", { name: "Undo" }).click();
    await page.waitForFunction(() => document.getElementById("project").dataset.state === "empty");
    assert.match(await page.locator("#project-status").textContent(), /empty/);
    await settled(page);
  }, { url: `${server.origin}/?backend=${backend}` });
});

test("an encoder file that is not one is said, and the search starts from the prior instead", async () => {
  await visit(async (page) => {
    await page.route("**/weights/mnist-encoder.safetensors", (route) => route.fulfill({ status: 200, body: "not an encoder" }));
    await page.goto(`${server.origin}/?backend=cpu`);
    await waitReady(page);
    await drawOne(page);
    await done(page);
    assert.equal(await state(page), "done", await page.locator("#project-status").textContent());
    assert.equal(await page.evaluate(() => document.getElementById("project").dataset.start), "prior");
    assert.match(await page.locator("#project-status").textContent(), /encoder could not be used \(.+\), so it started from draws from the prior/);
    await settled(page);
  });
});

for (const backend of ["cpu", "webgpu"]) test(`${backend}: an image is projected; a corrupt one and a huge one are refused with the reason and change nothing`, async () => {
  await visit(async (page) => {
    // A white ring on black, 100×100.
    const ring = png(100, 100, (x, y) => {
      const r = Math.hypot(x - 50, y - 50);
      return r > 20 && r < 32 ? [255, 255, 255, 255] : [0, 0, 0, 255];
    });
    await page.locator("#project-file").setInputFiles({ name: "ring.png", mimeType: "image/png", buffer: ring });
    await done(page);
    assert.equal(await state(page), "done");
    await settled(page);
    const z = await page.evaluate(() => Array.from(globalThis.ganPlayground.latent.z));
    const drawing = await canvasPixels(page, "#project-draw");
    const bad = [
      { name: "broken.png", mimeType: "image/png", buffer: Buffer.from("this is not a PNG at all, only text") },
      { name: "huge.png", mimeType: "image/png", buffer: hugeHeader() },
    ];
    for (const file of bad) {
      await page.locator("#project-file").setInputFiles(file);
      await page.waitForFunction((n) => document.getElementById("project-status").textContent.includes(n), file.name);
      assert.match(await page.locator("#project-status").textContent(), /could not be used: .+Nothing was changed/);
      assert.deepEqual(await canvasPixels(page, "#project-draw"), drawing);
      assert.deepEqual(await page.evaluate(() => Array.from(globalThis.ganPlayground.latent.z)), z);
      await settled(page);
    }
  }, { url: `${server.origin}/?backend=${backend}` });
});

// A PNG whose header says 50,000 × 50,000 (the studio's hostile fixture's kind).
function hugeHeader() {
  const small = png(1, 1, () => [0, 0, 0, 255]);
  small.writeUInt32BE(50_000, 16);
  small.writeUInt32BE(50_000, 20);
  return small;
}

for (const backend of ["cpu", "webgpu"]) test(`${backend}: the nearest training images: MNIST by the classifier's features, emoji by pixels, nearest first`, async () => {
  await visit(async (page) => {
    for (const model of ["mnist", "emoji"]) {
      if (model !== "mnist") {
        await page.locator("#model").selectOption(model);
        await waitReady(page);
      }
      await page.getByRole("button", { name: "Find the nearest training images" }).click();
      await page.waitForFunction(() => document.getElementById("nearest").dataset.ready === "true", null, { timeout: 240_000 });
      const distances = await page.locator("#nearest figure").evaluateAll((f) => f.map((x) => Number(x.dataset.distance)));
      assert.equal(distances.length, 8);
      assert.ok(distances.every((d, i) => d > 0 && (i === 0 || d >= distances[i - 1])), distances.join(", "));
      assert.match(await page.locator("#nearest-status").textContent(), model === "mnist" ? /features/ : /pixels/);
      await settled(page);
    }
  }, { url: `${server.origin}/?backend=${backend}` });
});
