// The studio under hostile input, as a person brings it: a folder of images a decoder can trip
// on, checkpoints that are not runs, recipe links with bad numbers and markup, a link to a
// model that is not there, two tabs training in one profile, a reload in the middle of an
// autosave, and a full storage. Each gets a clear message, leaves the current run as it was,
// loses nothing, and raises no page error (the harness's visit checks that last).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { serveDist, visit, launch, openReady, waitReady, canvasPixels, settled } from "./harness.mjs";

const HOSTILE = "tests/fixtures/hostile";
let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const url = () => `${server.origin}/?backend=cpu#studio`;
const panel = (page, key) => page.evaluate((k) => Number(document.getElementById("studio-panel").dataset[k] ?? -1), key);
const file = (name, buffer, mimeType = "application/octet-stream") => ({ name, mimeType, buffer });

// A run of the default set-up at batch 8, one step in and saved: what each test must keep.
async function oneStep(page) {
  await page.getByLabel("Batch size").fill("8");
  await page.getByRole("button", { name: "Reset" }).last().click();
  await page.getByRole("button", { name: "Step" }).last().click();
  // A fresh dataset (emoji's 3,926 colour images) is read first: on a loaded 2-core machine
  // that alone has taken 30 s, so the wait is for the condition, not a short timeout.
  await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "1"
    && document.getElementById("studio-panel").dataset.saved === "1", null, { timeout: 120_000 });
}

// The run as a person sees it: its step, its grid and what is saved.
async function runState(page) {
  return { step: await panel(page, "iteration"), saved: await panel(page, "saved"), grid: await canvasPixels(page, "#studio-grid") };
}

test("studio: a folder of hostile images: each unusable one is listed with its reason, the rest are used, and the run is unchanged", async () => {
  await visit(async (page) => {
    await oneStep(page);
    const before = await runState(page);
    // The whole folder, as "Choose a folder" gives it.
    await page.locator("#studio-own-folder").setInputFiles(HOSTILE);
    await page.getByText(/files were not used/).waitFor({ timeout: 60_000 });
    const reasons = Object.fromEntries((await page.locator("#studio-own-rejected li").allTextContents())
      .map((line) => [basename(line.slice(0, line.indexOf(":"))), line]));
    const torn = /corrupt: the file ends before its image does \(cut off\?\)/;
    const expected = {
      "empty.png": /not an image/,
      "notes.png": /not an image/,
      "archive.zip": /not an image/,
      "dot.png": /too small: 1×1; the shorter side must be at least 16 pixels/,
      "vast.png": /too large: 50000×50000 is over 40 megapixels/,
      "torn.png": torn,
      "torn.jpg": torn,
    };
    assert.deepEqual(Object.keys(reasons).sort(), Object.keys(expected).sort(), "exactly the unusable files are listed");
    for (const [name, reason] of Object.entries(expected)) assert.match(reasons[name], reason, name);
    // The rest (CMYK JPEG, 16-bit PNG, grey with alpha, an animated GIF, plain ones) are used.
    const used = readdirSync(HOSTILE).length - Object.keys(expected).length;
    assert.match(await page.locator("#studio-dataset option:checked").textContent(), new RegExp(`your images \\(${used}, colour, 28 px\\)`));
    assert.deepEqual(await runState(page), before, "the run, its grid and its save are as they were");
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "2");
  }, { url: url() });
});

test("studio: checkpoints that are not this studio's runs are refused by what they are, and the run goes on unchanged", async () => {
  await visit(async (page) => {
    await oneStep(page);
    const before = await runState(page);
    const run = await page.evaluate(() => globalThis.ganPlayground.core.studio.snapshot());
    const generator = readFileSync("dist/weights/mnist-generator.safetensors");
    const bad = [
      ["empty.safetensors", Buffer.alloc(0), /empty|too short|header/i],
      ["noise.safetensors", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), /safetensors|header/i],
      ["torn.safetensors", Buffer.from(run).subarray(0, run.length >> 1), /./],
      ["generator.safetensors", generator, /run|snapshot|missing/i],
      ["models.safetensors", readFileSync("dist/weights/models.json"), /safetensors|header/i],
    ];
    for (const [name, bytes, why] of bad) {
      await page.locator("#studio-upload").setInputFiles(file(name, bytes));
      const alert = page.getByRole("alert").filter({ hasText: `The checkpoint ${name} was refused` });
      await alert.waitFor();
      const text = await alert.textContent();
      assert.match(text, why, name);
      assert.match(text, /The current run is unchanged/, name);
      assert.deepEqual(await runState(page), before, `${name}: the run is as it was`);
    }
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "2");
  }, { url: url() });
});

test("studio: a checkpoint trained on colour images is refused for a grey dataset, and the run is unchanged", async () => {
  await visit(async (page) => {
    // The emoji run, made here (at 32 px, emoji's size), then taken as a file while the
    // studio is on MNIST.
    await page.getByLabel("Architecture").selectOption("tiny-32");
    await page.locator("#studio-dataset").selectOption("emoji");
    await oneStep(page);
    const colour = Buffer.from(await page.evaluate(() => globalThis.ganPlayground.core.studio.snapshot()));
    await page.locator("#studio-dataset").selectOption("mnist");
    await page.getByRole("button", { name: "Reset" }).last().click();
    const grey = () => globalThis.ganPlayground.studio.run?.info.channels === 1;
    await page.waitForFunction(grey); // the new run, not the emoji one
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === "1"
      && document.getElementById("studio-grid").dataset.iteration === "1");
    await settled(page);
    const before = await runState(page);
    await page.locator("#studio-upload").setInputFiles(file("emoji-run.safetensors", colour));
    await page.getByRole("alert").filter({ hasText: "was trained on colour images; the chosen dataset is grey" }).waitFor();
    assert.deepEqual(await runState(page), before);
  }, { url: url() });
});

test("recipe links with bad numbers, unknown keys, huge values and markup are refused by name and inject nothing", async () => {
  await visit(async (page) => {
    const batch = await page.getByLabel("Batch size").inputValue();
    const images = await page.locator("img").count();
    const links = [
      ["batchSize=2.5", /batch size must be a whole number from 2 to 256; got 2\.5/],
      ["batchSize=abc", /batch size must be a whole number from 2 to 256; got “abc”/],
      ["lrD=1e308", /D learning rate must be a number from 1e-6 to 1e30; got 1e308/],
      ["seed=-1", /seed must be a whole number from 0 to 4294967295; got -1/],
      ["ema=NaN", /average decay must be a number from 0 to 0\.9999; got “NaN”/],
      ["wings=3", /an unknown setting “wings”/],
      ["spectralNorm=maybe", /spectral norm must be true or false; got “maybe”/],
      ["dNorm=layer", /D's norm must be one of batch, none; got “layer”/],
      ["loss=wasserstein", /loss must be one of cross_entropy, hinge; got “wasserstein”/],
      ["instanceNoise=3", /instance noise must be a number from 0 to 2; got 3/],
      ["prior=%3Cimg%20src%3Dx%20onerror%3D%22globalThis.injected%3D1%22%3E", /prior must be one of uniform, normal; got “<img src=x onerror="globalThis\.injected=1">”/],
      ["preset=%3Cscript%3EglobalThis.injected%3D2%3C%2Fscript%3E", /architecture must be one of tiny-28/],
    ];
    for (const [query, message] of links) {
      await page.evaluate((q) => { location.hash = `#recipe=1&${q}`; }, query);
      await page.getByRole("alert").filter({ hasText: message }).waitFor();
      assert.equal(await page.getByLabel("Batch size").inputValue(), batch, `${query}: the studio is unchanged`);
    }
    assert.equal(await page.locator("img").count(), images, "no element was made from a link");
    assert.equal(await page.evaluate(() => globalThis.injected), undefined, "no script ran");
  }, { url: url() });
});

test("a link to a local model that is not in this browser says so and shows the default model", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu#model=local:NOPE`, errors);
    await page.getByRole("alert").filter({ hasText: "“NOPE”, a model trained in the studio" }).waitFor();
    assert.equal(await page.locator("#model").inputValue(), "mnist");
  });
});

test("two tabs training in one profile: neither overwrites the other's saved run unasked, and each save stays whole", async () => {
  const browser = await launch();
  const { page: first, errors } = browser;
  try {
    await openReady(first, url(), errors);
    const second = await first.context().newPage();
    second.on("pageerror", (e) => errors.push(e.message));
    await openReady(second, url(), errors);
    await oneStep(first);
    // The second tab trains a run of its own: its save would replace the first tab's.
    await second.getByLabel("Run seed").fill("7");
    await second.getByLabel("Batch size").fill("8");
    await second.getByRole("button", { name: "Reset" }).last().click();
    await second.getByRole("button", { name: "Step" }).last().click();
    await second.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "1");
    await second.getByText("Another tab of this browser is training a different studio run (saved at step 1)").waitFor();
    assert.equal(await panel(second, "iteration"), 1);
    assert.equal(await panel(second, "saved"), -1, "nothing of the second tab's was saved");
    // The first tab goes on saving its own run.
    await first.getByRole("button", { name: "Step" }).last().click();
    await first.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === "2");
    // Asked to, the second tab saves its run instead; then the first tab is the one told.
    await second.getByRole("button", { name: "save this tab's run here instead" }).click();
    await second.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === "1");
    await first.getByRole("button", { name: "Step" }).last().click();
    await first.getByText("Another tab of this browser is training a different studio run (saved at step 1)").waitFor();
    // What is saved is whole: a third tab resumes the second tab's run at its step.
    await second.close();
    const third = await first.context().newPage();
    third.on("pageerror", (e) => errors.push(e.message));
    await openReady(third, url(), errors);
    await third.getByText("is saved in this browser at step 1").waitFor();
    await third.getByRole("button", { name: "Resume it" }).click();
    await third.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "1");
    assert.equal(await third.getByLabel("Run seed").inputValue(), "7");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("a reload in the middle of an autosave leaves a whole run to resume", async () => {
  await visit(async (page, errors) => {
    await oneStep(page);
    // The page reloads the moment the next save's write is issued, its transaction in flight.
    await page.evaluate(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function putThenReload(...args) {
        const request = put.apply(this, args);
        location.reload();
        return request;
      };
    });
    const reloaded = page.waitForEvent("load");
    await page.getByRole("button", { name: "Step" }).last().click();
    await reloaded;
    await waitReady(page, errors);
    await page.getByText(/is saved in this browser at step \d+/).waitFor();
    const offer = await page.locator("#studio-resume-text").textContent();
    const step = Number(/at step (\d+)/.exec(offer)[1]);
    assert.ok(step === 1 || step === 2, `the old save or the new one, whole: ${offer}`);
    await page.getByRole("button", { name: "Resume it" }).click();
    await page.waitForFunction((s) => document.getElementById("studio-grid").dataset.iteration === String(s), step);
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction((s) => document.getElementById("studio-panel").dataset.saved === String(s + 1), step);
  }, { url: url() });
});

test("a full storage is said, and the run goes on", async () => {
  await visit(async (page) => {
    await oneStep(page);
    // From here on every write to IndexedDB fails as a full one does.
    await page.evaluate(() => {
      IDBObjectStore.prototype.put = function put() { throw new DOMException("The quota has been exceeded.", "QuotaExceededError"); };
    });
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.getByText("This tab's run could not be saved: this browser's storage for the page is full").waitFor();
    assert.equal(await panel(page, "saved"), 1, "the last save that was made still stands");
    await page.getByRole("button", { name: "Step" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "3");
  }, { url: url() });
});
