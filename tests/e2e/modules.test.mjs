// The core's two modules: the page starts on the CPU one and fetches the WebGPU one only when
// WebGPU is wanted, the first image never waits for it, and one that cannot be loaded leaves
// the page on the CPU with the reason.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, visit, openReady } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const WEBGPU_WASM = /\/gan-playground-webgpu-[0-9a-f]{16}_bg\.wasm$/;
const CPU_WASM = /\/gan-playground-cpu-[0-9a-f]{16}_bg\.wasm$/;
const banner = (page) => page.locator("#banner").textContent();
const backendText = (page) => page.locator("#backend").textContent();

test("a CPU page, and a page without WebGPU, never fetch the WebGPU module", async () => {
  for (const [query, webgpu] of [["?backend=cpu", true], ["", false]]) {
    await visit(async (page, errors, browser) => {
      await openReady(page, `${server.origin}/${query}`, errors);
      assert.match(await backendText(page), /^CPU/);
      assert.ok(browser.requests.some((u) => CPU_WASM.test(u)), "the CPU module was fetched");
      assert.deepEqual(browser.requests.filter((u) => WEBGPU_WASM.test(u)), [], `${query || "auto without WebGPU"}: no WebGPU module`);
    }, { webgpu });
  }
});

test("auto draws the first image before it fetches the WebGPU module, then measures with it", async () => {
  await visit(async (page, errors) => {
    await openReady(page, `${server.origin}/`, errors);
    assert.match(await banner(page), /software fallback.*measured [\d.]+ ms per image on WebGPU and [\d.]+ ms on the CPU/);
    const times = await page.evaluate(() => ({
      image: performance.getEntriesByName("first-image")[0]?.startTime,
      webgpu: performance.getEntriesByType("resource").find((r) => /gan-playground-webgpu-.*_bg\.wasm$/.test(r.name))?.startTime,
    }));
    assert.ok(times.image !== undefined && times.webgpu !== undefined, JSON.stringify(times));
    assert.ok(times.image < times.webgpu, `first image at ${times.image} ms, WebGPU module asked for at ${times.webgpu} ms`);
  });
});

test("a WebGPU module that cannot be loaded leaves the page on the CPU, saying why", async () => {
  await visit(async (page) => {
    await page.route(WEBGPU_WASM, (route) => route.fulfill({ status: 404, body: "not found" }));
    // The refused load logs a console error, which visit() discounts ({ refused: true }).
    await openReady(page, `${server.origin}/?backend=webgpu`, []);
    assert.match(await backendText(page), /^CPU/);
    assert.match(await banner(page), /WebGPU could not be used: the webgpu core could not be loaded \(.*answered 404\)\. The model runs on the CPU backend\./);
    assert.equal(await page.locator("#error").isHidden(), true, "no error: the page works on the CPU");
  }, { refused: true });
});

test("a browser without WebAssembly SIMD is told so, and no model is loaded", async () => {
  await visit(async (page, errors, browser) => {
    // What a browser without SIMD answers for the core's probe module.
    await page.addInitScript(() => { WebAssembly.validate = () => false; });
    await page.goto(`${server.origin}/`);
    await page.locator("#error").waitFor({ state: "visible" });
    assert.match(await page.locator("#error").textContent(), /The model cannot run here: this browser does not run WebAssembly SIMD, which the model needs \(Chrome and Edge 91, Firefox 89, Safari 16\.4 and later do\)\./);
    // The CPU module is preloaded by the page's own <link>; the WebGPU one and the models are not asked for.
    assert.deepEqual(browser.requests.filter((u) => WEBGPU_WASM.test(u) || /\/weights\//.test(u)), [], "no WebGPU module, no models");
    assert.notEqual(await page.evaluate(() => document.body.dataset.ready), "true");
  });
});
