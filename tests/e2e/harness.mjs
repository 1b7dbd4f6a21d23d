// Serves dist/ (what Trunk built) on 127.0.0.1 and opens it in Debian's Chromium, collecting
// console errors and every request that leaves the page's origin.

import { createServer } from "node:http";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

const TYPES = {
  ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png",
};

export async function serveDist(root = "dist") {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = path.endsWith("/") ? `${path}index.html` : path;
    try {
      const body = await readFile(join(root, file));
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const FLAGS = ["--no-sandbox", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

export async function launch({ webgpu = true } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "gan-playground-e2e-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: webgpu ? [...FLAGS, "--enable-unsafe-webgpu"] : FLAGS,
    acceptDownloads: true,
  });
  const errors = [], requests = [];
  context.on("request", (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  return {
    page, errors, requests, context,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// One browser for `body(page, errors, browser)`, closed however it ends. Options: `webgpu`
// (Chromium's flag, default on), `url` (opened and waited ready first), `origin` (then no
// request may leave it), `refused` (the test refuses loads itself, so the browser's "Failed
// to load resource" lines are not page errors). Afterwards no page error may have been logged.
export async function visit(body, { webgpu = true, url, origin, refused = false } = {}) {
  const browser = await launch({ webgpu });
  try {
    if (url) await openReady(browser.page, url, browser.errors);
    await body(browser.page, browser.errors, browser);
    const errors = browser.errors.filter((e) => !(refused && e.startsWith("Failed to load resource")));
    assert.deepEqual(errors, [], "page errors");
    if (origin) {
      const foreign = browser.requests.filter((u) => !u.startsWith(origin) && !/^(data|blob):/.test(u));
      assert.deepEqual(foreign, [], "requests that left the page's origin");
    }
  } finally {
    await browser.close();
  }
}

// Loads `url` and waits until the page says it is ready (model loaded, first image drawn);
// fails at once on a page error instead of waiting out the timeout.
export async function openReady(page, url, errors) {
  await page.goto(url);
  await waitReady(page, errors);
}

// The page sets body[data-ready] to false the moment it queues a load (a model, a backend or
// a link) and back to true when none is left; a page error ends the wait at once.
export async function waitReady(page, errors = []) {
  await untilOrError(page, errors, () => document.body.dataset.ready === "true", "the page did not become ready");
}

// Waits for `condition` (run in the page) or for an error in `errors` (what the harness
// collects; a test that expects some passes its own list), whichever comes first.
async function untilOrError(page, errors, condition, what, arg, timeout = 240_000) {
  let timer;
  const failed = new Promise((_, reject) => {
    const check = () => errors.length && reject(new Error(`${what}: page errors: ${errors.join("; ")}`));
    check();
    timer = setInterval(check, 100);
  });
  try {
    await Promise.race([page.waitForFunction(condition, arg, { timeout }), failed]);
  } finally {
    clearInterval(timer);
  }
}

// Waits until every request made of the core's workers has settled and nothing is stepping
// (the lab, the studio, the interpolation): from then on no reply can still arrive late, so a
// test can read a state as final, or check that nothing more happens.
export async function settled(page) {
  await page.waitForFunction(() => {
    const { core, lab, plane, studio } = globalThis.ganPlayground;
    return !lab.running && !lab.creating && !plane.running && !plane.building && !studio.running && core.outstanding() === 0
      && document.getElementById("sample").dataset.pending === "0";
  }, null, { timeout: 120_000 });
}

// Lets `count` animation frames of the page go by: the window in which a test checks that
// nothing more happens (counted in the page's own frames, not in milliseconds).
export async function framesPass(page, count = 30) {
  await page.evaluate((n) => new Promise((resolve) => {
    const tick = () => (--n <= 0 ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), count);
}

export function canvasPixels(page, selector = "#sample") {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
  }, selector);
}

export function frames(page) {
  return page.evaluate(() => Number(document.getElementById("sample").dataset.frames ?? 0));
}

// Waits until the sample canvas has drawn more than `count` frames and, unless `playing` (an
// animation keeps asking for frames), no generation for it is in flight or waiting: what it
// shows is then the newest z's image.
export async function nextFrame(page, count, { playing = false } = {}) {
  await page.waitForFunction(([n, playing]) => {
    const sample = document.getElementById("sample").dataset;
    return Number(sample.frames ?? 0) > n && (playing || sample.pending === "0");
  }, [count, playing], { timeout: 120_000 });
}

export function maxDifference(a, b) {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

// Waits until both lab runs have reached step `n` (the lab panel shows the step both reached).
export async function untilIteration(page, n, timeout = 240_000) {
  await page.waitForFunction((k) => Number(document.getElementById("lab-panel").dataset.iteration ?? 0) >= k, n, { timeout });
}

// Sets D's head start, as a person does: type the steps, press Enter.
export async function setHeadStart(page, steps) {
  await page.getByLabel("D head start (steps)").fill(String(steps));
  await page.getByLabel("D head start (steps)").press("Enter");
}

// A PNG file of `width` × `height` RGBA pixels (`pixel(x, y)` gives [r, g, b, a]), written here
// so the tests make their own images (node's zlib deflates; the CRC is the PNG one).
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
export function png(width, height, pixel) {
  const raw = Buffer.alloc(height * (1 + 4 * width));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + 4 * width)] = 0; // no filter
    for (let x = 0; x < width; x++) Buffer.from(pixel(x, y)).copy(raw, y * (1 + 4 * width) + 1 + 4 * x);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

// Moves to one of the app's views (explore, lab, studio) as a person does: its link in the
// header. Controls of a view that is not shown cannot be used.
export async function view(page, name) {
  await page.locator(`nav a[data-view=${name}]`).click();
  await page.locator(`#view-${name}`).waitFor({ state: "visible" });
}
