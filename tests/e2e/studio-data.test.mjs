// The studio's data and set-up in a real browser: one's own images (files that cannot be used
// are listed, the rest train, and a reload resumes on them), an all-bad set changes nothing, a
// set of thousands does not crash the tab, and a recipe link fills the studio (a bad one
// changes nothing).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, visit, launch, openReady, waitReady, png } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const url = () => `${server.origin}/?backend=cpu#studio`;
const panel = (page, key) => page.evaluate((k) => Number(document.getElementById("studio-panel").dataset[k] ?? -1), key);

// A coloured shape on white, different for each `i`.
const shape = (i, w = 40, h = 30) => png(w, h, (x, y) => {
  const inside = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (6 + (i % 7)) ** 2;
  return inside ? [200, (i * 37) % 256, 40, 255] : [255, 255, 255, 255];
});
const file = (name, buffer, mimeType = "image/png") => ({ name, mimeType, buffer });

test("studio: own images with bad files among them: the bad ones are listed with their reason, the rest train, and a reload resumes on them", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  try {
    await openReady(page, url(), errors);
    const torn = shape(99).subarray(0, 60); // a PNG cut off inside its data
    const tiny = png(8, 8, () => [0, 0, 0, 255]);
    await page.locator("#studio-own-files").setInputFiles([
      ...Array.from({ length: 12 }, (_, i) => file(`shape-${i}.png`, shape(i))),
      file("notes.png", Buffer.from("these are my notes, not an image"), "text/plain"),
      file("torn.png", torn),
      file("icon.png", tiny),
    ]);
    await page.getByText("3 files were not used").waitFor({ timeout: 60_000 });
    const reasons = await page.locator("#studio-own-rejected li").allTextContents();
    assert.equal(reasons.length, 3);
    assert.match(reasons.find((r) => r.startsWith("notes.png")), /not an image/);
    assert.match(reasons.find((r) => r.startsWith("torn.png")), /corrupt|cannot be read/);
    assert.match(reasons.find((r) => r.startsWith("icon.png")), /too small/);
    const dataset = await page.locator("#studio-dataset").inputValue();
    assert.match(dataset, /^own-[0-9a-f]{12}$/);
    assert.match(await page.locator("#studio-dataset option:checked").textContent(), /your images \(12, colour, 28 px\)/);
    // The rest train.
    await page.getByLabel("Batch size").fill("4");
    await page.getByRole("button", { name: "Reset" }).last().click();
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === "1");
    // A reload resumes on the same images, kept in this browser.
    await page.reload();
    await waitReady(page, errors);
    await page.getByText("on your images is saved in this browser at step 1").waitFor();
    await page.getByRole("button", { name: "Resume it" }).click();
    await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "1");
    assert.equal(await page.locator("#studio-dataset").inputValue(), dataset);
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.iteration === "2");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("studio: a set with no usable image is refused with a message and changes nothing", async () => {
  await visit(async (page) => {
    const before = await page.locator("#studio-dataset").inputValue();
    await page.locator("#studio-own-files").setInputFiles([file("a.txt", Buffer.from("hello"), "text/plain"), file("b.png", Buffer.from("\x89PNG broken"))]);
    await page.getByText("none of the 2 files is a usable image").first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("#studio-dataset").inputValue(), before);
    assert.equal(await page.locator("#studio-dataset option").count(), 3, "no set was added");
    assert.equal(await page.locator("#studio-own-rejected li").count(), 2);
  }, { url: url() });
});

test("studio: three thousand images are gathered without crashing the tab", async () => {
  await visit(async (page) => {
    const files = Array.from({ length: 3000 }, (_, i) => file(`img-${i}.png`, shape(i, 24, 24)));
    await page.locator("#studio-own-files").setInputFiles(files);
    await page.waitForFunction(() => /your images \(3000,/.test(document.querySelector("#studio-dataset option:checked")?.textContent ?? ""), null, { timeout: 180_000 });
    assert.equal(await page.locator("#studio-own-rejected").isHidden(), true);
    const heap = await page.evaluate(() => globalThis.ganPlayground.core.memory("studio"));
    assert.ok(heap < 512 * 2 ** 20, `the studio worker's heap is ${heap} bytes`);
  }, { url: url() });
});

test("studio: a recipe link fills the set-up; a bad one is refused and changes nothing", async () => {
  const recipe = "#recipe=1&dataset=fashion&preset=tiny-32&lrD=0.0005&lrG=0.0003&beta1=0.4&beta2=0.99&batchSize=16"
    + "&dSteps=2&gSteps=1&cost=saturating&prior=uniform&seed=77&augment=translation,colour&ema=0.99&target=300";
  await visit(async (page) => {
    await page.getByText("The studio holds this recipe's set-up").waitFor();
    const value = (label) => page.getByLabel(label, { exact: true }).inputValue();
    assert.equal(await page.locator("#studio-dataset").inputValue(), "fashion");
    assert.equal(await page.locator("#studio-preset").inputValue(), "tiny-32");
    assert.equal(await value("D learning rate"), "0.0005");
    assert.equal(await value("Batch size"), "16");
    assert.equal(await value("Run seed"), "77");
    assert.equal(await page.locator("#studio-cost").inputValue(), "saturating");
    assert.equal(await page.locator("#studio-aug-translation").isChecked(), true);
    assert.equal(await page.locator("#studio-aug-cutout").isChecked(), false);
    assert.equal(await value("Target steps"), "300");
    // The page's own recipe link says the same.
    const href = await page.locator("#studio-recipe").getAttribute("href");
    for (const part of ["dataset=fashion", "seed=77", "augment=translation%2Ccolour", "target=300"]) assert.ok(href.includes(part), `${part} in ${href}`);

    // A bad recipe (a learning rate the studio refuses, and an unknown setting) changes nothing.
    await page.evaluate(() => { location.hash = "#recipe=1&lrD=-1&batchSize=16"; });
    await page.getByText(/This recipe link could not be used: .*D learning rate must be a number from 1e-6 to 1e30; got /).waitFor();
    assert.equal(await value("D learning rate"), "0.0005");
    await page.evaluate(() => { location.hash = "#recipe=1&colour=blue"; });
    await page.getByText(/unknown setting “colour”/).waitFor();
    assert.equal(await value("Run seed"), "77");
  }, { url: `${server.origin}/?backend=cpu${recipe}` });
});
