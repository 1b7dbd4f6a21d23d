// The playground in a real browser: Debian's Chromium, headless, WebGPU from SwiftShader.
// Run by scripts/test.sh after `trunk build` (node --test tests/e2e).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { serveDist, visit as harnessVisit, openReady, waitReady, canvasPixels, frames, nextFrame, maxDifference, settled, framesPass } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

// Opens the page, runs `body`, then checks what every visit must satisfy.
// Every visit here also checks that no request leaves the page's origin.
const visit = (body, options = {}) => harnessVisit(body, { origin: server.origin, ...options });

const backendText = (page) => page.locator("#backend").textContent();
const isBlank = (pixels) => new Set(pixels).size <= 2;

test("forced WebGPU and forced CPU both generate, and give the same image for the same z", async () => {
  let gpu, cpu;
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=webgpu`, errors);
    assert.match(await backendText(page), /^WebGPU/);
    gpu = await canvasPixels(page);
  });
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    assert.match(await backendText(page), /^CPU/);
    cpu = await canvasPixels(page);
  });
  assert.ok(!isBlank(gpu), "WebGPU drew an image");
  assert.equal(gpu.length, 28 * 28 * 4);
  assert.ok(maxDifference(gpu, cpu) <= 2, `WebGPU vs CPU differ by ${maxDifference(gpu, cpu)}/255`);
});

test("the Backend control switches where the model runs and records it in the URL", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=webgpu`, errors);
    const before = await canvasPixels(page);
    await page.getByLabel("Backend").selectOption("cpu");
    await page.waitForFunction(() => document.body.dataset.ready === "true" && document.body.dataset.backend === "cpu");
    assert.match(await backendText(page), /^CPU/);
    assert.match(page.url(), /backend=cpu/);
    assert.ok(maxDifference(before, await canvasPixels(page)) <= 2, "same z, same image");
  });
});

test("auto measures a software adapter against the CPU and says which it chose", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/`, errors);
    const banner = page.getByRole("status").filter({ hasText: "software fallback" });
    await assert.doesNotReject(banner.waitFor());
    assert.match(await banner.textContent(), /measured [\d.]+ ms per image on WebGPU and [\d.]+ ms on the CPU/);
  });
});

test("a slider changes the image, and the link it writes reproduces the pixels after reload", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    const before = await canvasPixels(page);
    const n = await frames(page);
    const slider = page.getByLabel("z0", { exact: true });
    assert.equal(await slider.getAttribute("type"), "range");
    await slider.focus();
    await page.keyboard.press("End");
    await nextFrame(page, n);
    const moved = await canvasPixels(page);
    assert.ok(maxDifference(before, moved) > 0, "the canvas changed");
    // The link is written a moment after the last frame: wait until it holds the moved z.
    await page.waitForFunction(() => {
      const code = new URLSearchParams(location.hash.slice(1)).get("z");
      return code !== null && globalThis.ganPlayground.core.pure.decodeLatent(code, 100)[0] === 3;
    });
    const url = page.url();
    await page.reload();
    await waitReady(page, errors);
    assert.equal(page.url(), url);
    assert.equal(Number(await page.getByLabel("z0", { exact: true }).inputValue()), 3);
    assert.deepEqual(await canvasPixels(page), moved);
  });
});

test("a malformed hash gives a message and falls back to the default sample", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=cpu#model=mnist&z=z1!!notbase64`, errors);
    const alert = page.getByRole("alert");
    assert.match(await alert.textContent(), /could not be read/);
    assert.ok(!isBlank(await canvasPixels(page)));
    // A new link pasted into the same tab (a hash change) is read too.
    await page.evaluate(() => { location.hash = "#model=cats"; });
    await page.getByRole("alert").filter({ hasText: "cats" }).waitFor();
    assert.match(await page.getByRole("alert").textContent(), /unknown model “cats”/);
  });
});

test("without WebGPU the CPU banner shows and the sliders still work", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/`, errors);
    const banner = page.getByRole("status").filter({ hasText: "WebGPU is not available" });
    assert.match(await banner.textContent(), /runs on the CPU backend/);
    assert.match(await backendText(page), /^CPU/);
    const before = await canvasPixels(page);
    const n = await frames(page);
    await page.getByLabel("z42", { exact: true }).fill("-3");
    await nextFrame(page, n);
    assert.ok(maxDifference(before, await canvasPixels(page)) > 0);
  }, { webgpu: false });
});

for (const backend of ["cpu", "webgpu"]) test(`${backend}: the model picker, the grid, and PNG export`, async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=${backend}`, errors);
    await page.getByLabel("Model").selectOption("emoji");
    await waitReady(page, errors);
    await page.waitForFunction(() => location.hash.startsWith("#model=emoji&z=z1"));
    const emoji = await canvasPixels(page);
    assert.equal(emoji.length, 32 * 32 * 4);
    // Clicking a grid sample loads its z: the big canvas then shows the same image.
    const n = await frames(page);
    await page.getByRole("button", { name: "Load sample 5 (row 1, column 5)" }).click();
    await nextFrame(page, n);
    const tile = await canvasPixels(page, "#grid button:nth-child(5) canvas");
    assert.ok(maxDifference(tile, await canvasPixels(page)) <= 2, "grid tile and sample agree");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export image (PNG)" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "emoji.png");
    const png = await readFile(await download.path());
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  });
});

for (const backend of ["cpu", "webgpu"]) test(`${backend}: interpolation: slerp keeps ‖z‖ typical where lerp dips; play, pause, random walk, WebM`, async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/?backend=${backend}`, errors);
    const norm = async () => Number((await page.locator("#norm").textContent()).split(" ")[0]);
    const button = (name) => page.getByRole("button", { name, exact: true });
    await button("Set A to current z").click();
    await page.getByLabel("Seed", { exact: true }).fill("12345");
    await page.getByLabel("Seed", { exact: true }).press("Enter");
    await button("Set B to current z").click();
    const scrub = page.getByLabel("Position t");
    await scrub.fill("0.5");
    const slerpMid = await norm();
    await page.getByRole("radio", { name: "lerp", exact: true }).check();
    await scrub.fill("0.5");
    const lerpMid = await norm();
    assert.ok(slerpMid > 9 && slerpMid < 11, `slerp midpoint ‖z‖ ${slerpMid}`);
    assert.ok(lerpMid < 0.85 * slerpMid, `lerp midpoint ‖z‖ ${lerpMid} vs slerp ${slerpMid}`);

    await button("Play").click();
    const n = await frames(page);
    await nextFrame(page, n + 3, { playing: true });
    await button("Pause").click();
    await settled(page);
    const paused = await frames(page);
    await framesPass(page);
    assert.equal(await frames(page), paused, "no frames while paused");

    await page.getByLabel("Random walk").check();
    const before = await canvasPixels(page);
    await button("Play").click();
    await nextFrame(page, paused + 3, { playing: true });
    await button("Pause").click();
    assert.ok(maxDifference(before, await canvasPixels(page)) > 0, "the walk moved");

    const [video] = await Promise.all([
      page.waitForEvent("download", { timeout: 60_000 }),
      button("Record WebM").click(),
    ]);
    assert.equal(video.suggestedFilename(), "interpolation.webm");
    const webm = await readFile(await video.path());
    assert.deepEqual([...webm.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "an EBML (WebM) file");
  });
});
