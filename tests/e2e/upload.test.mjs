// A generator file of one's own, opened in the explorer as a person opens one: it is shown and
// every tool works on it, it stays in this browser (a reload lists it, its link loads it), and
// a file that is not a usable generator is refused with the reason and changes nothing.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { serveDist, visit, canvasPixels, settled, waitReady } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const fashion = () => readFile("assets/weights/fashion-generator.safetensors");
const open = (page, name, buffer) => page.locator("#model-file").setInputFiles({ name, mimeType: "application/octet-stream", buffer });
const selected = (page) => page.evaluate(() => {
  const s = /** @type {HTMLSelectElement} */ (document.getElementById("model"));
  return s.selectedOptions[0]?.textContent;
});

test("a generator file opens in the explorer, its tools work on it, and this browser keeps it", async () => {
  await visit(async (page) => {
    const mnist = await canvasPixels(page);
    await open(page, "my clothes.safetensors", await fashion());
    await page.waitForFunction(() => location.hash.includes("model=local:file-my-clothes"));
    await waitReady(page);
    await settled(page);
    assert.equal(await selected(page), "my clothes (opened here)");
    assert.notDeepEqual(await canvasPixels(page), mnist);
    // Its directions (SeFa needs only the weights) are offered.
    await page.waitForFunction(() => document.getElementById("directions").dataset.ready === "true", null, { timeout: 240_000 });
    // A drawing is projected through it; it has no encoder, so the search starts from the prior.
    await page.locator("#project-draw").scrollIntoViewIfNeeded();
    const box = await page.locator("#project-draw").boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => ["done", "error"].includes(document.getElementById("project").dataset.state), null, { timeout: 240_000 });
    assert.equal(await page.evaluate(() => document.getElementById("project").dataset.start), "prior");
    await settled(page);
    // The link follows z (written a moment after it changes).
    await page.waitForFunction(() => {
      const { core, latent } = globalThis.ganPlayground;
      return location.hash.includes(`z=${core.pure.encodeLatent(latent.z)}`);
    });
    const shown = await canvasPixels(page);
    const link = await page.evaluate(() => location.hash);
    // A reload lists it and its link draws the same image.
    await page.reload();
    await waitReady(page);
    await settled(page);
    assert.equal(await selected(page), "my clothes (opened here)");
    assert.equal(await page.evaluate(() => location.hash), link);
    assert.deepEqual(await canvasPixels(page), shown);
  }, { url: `${server.origin}/?backend=cpu` });
});

test("a file that is not a usable generator is refused with the reason and changes nothing", async () => {
  await visit(async (page) => {
    const before = { pixels: await canvasPixels(page), hash: await page.evaluate(() => location.hash), model: await selected(page) };
    const nan = Buffer.from(await readFile("assets/weights/mnist-generator.safetensors"));
    nan.writeUInt16LE(0x7e00, nan.length - 2); // the last f16 value: NaN
    const cases = [
      { name: "notes.safetensors", buffer: Buffer.from("these are not weights"), says: /notes\.safetensors was refused: .+Nothing was changed/ },
      { name: "classifier.safetensors", buffer: await readFile("assets/weights/classifier-mnist.bpk"), says: /classifier\.safetensors was refused/ },
      { name: "mnist-encoder.safetensors", buffer: await readFile("assets/weights/mnist-encoder.safetensors"), says: /mnist-encoder\.safetensors was refused: .*not a DCGAN generator/ },
      { name: "broken.safetensors", buffer: nan, says: /not finite.+Still showing MNIST digits/ },
    ];
    for (const c of cases) {
      await page.evaluate(() => { document.getElementById("error").textContent = ""; });
      await open(page, c.name, c.buffer);
      await page.waitForFunction(() => document.getElementById("error").textContent !== "");
      await waitReady(page);
      await settled(page);
      assert.match(await page.locator("#error").textContent(), c.says);
      assert.deepEqual(await canvasPixels(page), before.pixels, c.name);
      assert.equal(await page.evaluate(() => location.hash), before.hash, c.name);
      assert.equal(await selected(page), before.model, c.name);
    }
    const listed = await page.evaluate(() => Array.from(document.getElementById("model").options, (o) => o.textContent));
    assert.ok(!listed.some((n) => n.includes("opened here")), listed.join(", "));
  }, { url: `${server.origin}/?backend=cpu` });
});
