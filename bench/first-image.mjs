// Page load to the first generated image, cold (a new browser profile: nothing cached) and
// warm (a reload in the same profile), for ?backend=auto (the default: the CPU module first)
// and ?backend=webgpu (the WebGPU module first), on loopback and on a throttled link.
// dist/ is served as a CDN would: gzip where the browser accepts it, hashed files cacheable
// for a year, everything else revalidated by ETag. The time is performance.mark("first-image") (set
// by www/render.js when the first image is drawn), from navigation start.
// Usage: trunk build && node bench/first-image.mjs [runs=3] [--dist DIR] [--json]
// (--dist serves another build, e.g. a worktree of an older commit, for a before/after.)
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { gzipSync } from "node:zlib";
import { launch } from "../tests/e2e/harness.mjs";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
const dist = process.argv.includes("--dist") ? process.argv[process.argv.indexOf("--dist") + 1] : "dist";
const gzipped = new Map();
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  const file = path.endsWith("/") ? `${path}index.html` : path;
  let body;
  try {
    body = await readFile(join(dist, file));
  } catch {
    res.writeHead(404).end("not found");
    return;
  }
  // Everything revalidates with an ETag (a 304 costs one round trip, not the bytes).
  const etag = `"${body.length}-${(await stat(join(dist, file))).mtimeMs}"`;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  const headers = {
    etag,
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": /-[0-9a-f]{16}(_bg)?\.(js|wasm)$/.test(file) ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (/gzip/.test(req.headers["accept-encoding"] ?? "") && !file.endsWith(".gz")) {
    if (!gzipped.has(file)) gzipped.set(file, gzipSync(body, { level: 9 }));
    body = gzipped.get(file);
    headers["content-encoding"] = "gzip";
  }
  res.writeHead(200, headers).end(body);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
const LINKS = {
  loopback: null,
  // A fair home or mobile link: 20 Mbit/s down, 40 ms round trip.
  "20 Mbit/s, 40 ms": { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 5e6 / 8 },
};

async function firstImage(page) {
  await page.waitForFunction(() => performance.getEntriesByName("first-image").length > 0, null, { timeout: 120_000 });
  return page.evaluate(() => performance.getEntriesByName("first-image")[0].startTime);
}

const results = [];
for (let run = 0; run < runs; run++) {
  // Alternating, so a slow minute on this shared machine falls on every configuration alike.
  for (const backend of ["auto", "webgpu"]) {
    for (const [link, conditions] of Object.entries(LINKS)) {
      const browser = await launch();
      try {
        const cdp = await browser.page.context().newCDPSession(browser.page);
        await cdp.send("Network.enable");
        if (conditions) await cdp.send("Network.emulateNetworkConditions", conditions);
        await browser.page.goto(`${origin}/?backend=${backend}`);
        const cold = await firstImage(browser.page);
        await browser.page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 120_000 });
        await browser.page.reload();
        const warm = await firstImage(browser.page);
        if (browser.errors.length) throw new Error(browser.errors.join("; "));
        results.push({ backend, link, cold, warm });
      } finally {
        await browser.close();
      }
    }
  }
}
server.close();

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const table = [];
for (const backend of ["auto", "webgpu"]) {
  for (const link of Object.keys(LINKS)) {
    const rows = results.filter((r) => r.backend === backend && r.link === link);
    table.push({ backend, link, cold: median(rows.map((r) => r.cold)), warm: median(rows.map((r) => r.warm)), runs: rows.length });
  }
}
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ runs: results, medians: table }, null, 2));
} else {
  console.log(`| ?backend= | link | cold (s) | warm (s) |\n|---|---|---|---|`);
  for (const r of table) console.log(`| ${r.backend} | ${r.link} | ${(r.cold / 1000).toFixed(2)} | ${(r.warm / 1000).toFixed(2)} |`);
  console.log(`\nmedians of ${runs} runs each`);
}
