// The lab in data space as a person uses it, its drawing read back in data units: fakes where
// the run's samples are, arrows equal to the worker's gradients within a pixel, the heatmap's
// colour at probe points equal to D(x); play, step and the slow step; a drawn data set, its
// link, PNG and WebM; and bad input said with nothing changed.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, visit, settled, view } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const url = () => `${server.origin}/?backend=cpu`;
const iteration = (page) => page.evaluate(() => globalThis.ganPlayground.plane.frame?.iteration ?? -1);
const built = (page) => page.waitForFunction(() => {
  const p = globalThis.ganPlayground.plane;
  return p.info && p.frame && !p.building && !p.running;
}, null, { timeout: 240_000 });

async function openLab(page) {
  await view(page, "lab");
  await page.locator("#plane-panel").scrollIntoViewIfNeeded();
  await built(page);
}

/** Shows only `layers` (heat, real, manifold, fakes, arrows) and waits for the redraw. */
async function show(page, layers) {
  for (const layer of ["heat", "real", "manifold", "fakes", "arrows"]) {
    await page.locator(`#plane-show-${layer}`).setChecked(layers.includes(layer));
  }
}

test("the drawing reads back in data units: fakes, arrows within a pixel of the worker's gradients, D(x) in the heatmap's colour", async () => {
  await visit(async (page) => {
    await openLab(page);
    for (let i = 0; i < 3; i++) await page.locator("#plane-step").click();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration === 3 && !globalThis.ganPlayground.plane.running);
    await settled(page);
    const report = await page.evaluate(async () => {
      const { plane } = globalThis.ganPlayground;
      const view = await import("./www/plane-view.js");
      const out = [];
      for (const [i, run] of plane.frame.runs.entries()) {
        const canvas = document.getElementById(`plane-run-${i}`);
        const m = view.mapping(canvas, plane.info.view);
        const scale = Number(canvas.dataset.scale);
        const { points, arrows, dots } = canvas.marks;
        // Each fake drawn where the run's sample is (to the pixel's centre).
        const pointError = Math.max(...points.map(([k, u, v]) => Math.hypot(m.x(u) - run.fakes[2 * k], m.y(v) - run.fakes[2 * k + 1])));
        // The worker's gradients at the drawn fakes, asked for anew: each arrow's tip within a pixel.
        const xy = new Float32Array(run.fakes);
        const probe = await plane.client.probe(i, xy);
        const tipError = Math.max(...arrows.map(([k, u0, v0, u1, v1]) =>
          Math.hypot(u0 + scale * probe.arrows[2 * k] - u1, v0 - scale * probe.arrows[2 * k + 1] - v1)));
        const dotsSmall = dots.every(([k]) => Math.hypot(probe.arrows[2 * k], probe.arrows[2 * k + 1]) * scale < view.DOT_BELOW);
        out.push({ cost: run.cost, drawn: points.length, arrows: arrows.length + dots.length, pointError, tipError, dotsSmall,
          pixel: m.size / (2 * plane.info.view), meanArrow: run.meanArrow });
      }
      return out;
    });
    assert.deepEqual(report.map((r) => r.cost), ["saturating", "non_saturating"]);
    for (const r of report) {
      assert.ok(r.drawn > 200, `${r.cost}: ${r.drawn} fakes drawn`);
      assert.equal(r.arrows, r.drawn, `${r.cost}: an arrow or a dot on every fake`);
      assert.ok(r.pointError <= 1 / r.pixel, `${r.cost}: a fake ${r.pointError} off its sample`);
      assert.ok(r.tipError <= 1, `${r.cost}: an arrow's tip ${r.tipError} px off the worker's gradient`);
      assert.ok(r.dotsSmall, `${r.cost}: a dot stands for an arrow too short to see`);
    }
    // D's head start puts the fakes where D rejects them: the saturating arrows are far shorter.
    assert.ok(report[0].meanArrow < 0.5 * report[1].meanArrow, JSON.stringify(report));

    // The heatmap alone: its colour at cell centres is D(x) there, as the worker computes it.
    await show(page, ["heat"]);
    const heat = await page.evaluate(async () => {
      const { plane } = globalThis.ganPlayground;
      const view = await import("./www/plane-view.js");
      const canvas = document.getElementById("plane-run-1");
      const m = view.mapping(canvas, plane.info.view);
      const cells = plane.info.heatCells, side = m.size / cells;
      const probes = [[3, 4], [10, 20], [16, 16], [25, 7], [30, 29], [0, 31]];
      const xy = new Float32Array(probes.flatMap(([c, r]) => [m.x((c + 0.5) * side), m.y((r + 0.5) * side)]));
      const { d } = await plane.client.probe(1, xy);
      const ctx = canvas.getContext("2d");
      return probes.map(([c, r], i) => {
        const px = ctx.getImageData(Math.floor((c + 0.5) * side), Math.floor((r + 0.5) * side), 1, 1).data;
        return { shown: view.dOfColour([px[0], px[1], px[2]]), d: d[i] };
      });
    });
    for (const { shown, d } of heat) assert.ok(Math.abs(shown - d) <= 0.01, `heatmap shows ${shown} where D(x) = ${d}`);
    // The fakes alone: painted where the marks say.
    await show(page, ["fakes"]);
    const painted = await page.evaluate(() => {
      const canvas = document.getElementById("plane-run-0");
      const ctx = canvas.getContext("2d");
      return canvas.marks.points.slice(0, 20).map(([, u, v]) => [...ctx.getImageData(Math.floor(u), Math.floor(v), 1, 1).data]);
    });
    for (const [r, g, b] of painted) assert.ok(r > 110 && g < 110 && b > 100, `a fake's pixel is ${r},${g},${b}`);
  }, { url: url() });
});

test("play steps both runs in lockstep; a slow step moves D's heatmap, then G's points; a diverging run pauses, is said and rolled back", async () => {
  await visit(async (page) => {
    await openLab(page);
    await page.locator("#plane-play").click();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration >= 20, null, { timeout: 120_000 });
    await page.locator("#plane-play").click(); // pause
    await settled(page);
    const charts = await page.evaluate(() => [...document.querySelectorAll("#plane-charts svg")].map((svg) =>
      [...svg.querySelectorAll("path[data-run]")].map((p) => p.dataset.run)));
    assert.deepEqual(charts, Array(4).fill(["saturating", "non_saturating"]), "each chart has both runs");
    const before = await page.evaluate(() => structuredClone(globalThis.ganPlayground.plane.frame));
    await page.locator("#plane-slow").click();
    await page.waitForFunction(() => /D's update/.test(document.getElementById("plane-status").textContent));
    const half = await page.evaluate(() => structuredClone(globalThis.ganPlayground.plane.frame));
    assert.equal(half.next, "generator");
    assert.deepEqual(half.runs[0].fakes, before.runs[0].fakes, "D's half leaves the points");
    assert.notDeepEqual(half.runs[0].heat, before.runs[0].heat, "D's half moves the heatmap");
    await page.waitForFunction(() => /G's update/.test(document.getElementById("plane-status").textContent), null, { timeout: 60_000 });
    await settled(page);
    const after = await page.evaluate(() => structuredClone(globalThis.ganPlayground.plane.frame));
    assert.equal(after.iteration, before.iteration + 1);
    assert.notDeepEqual(after.runs[0].fakes, half.runs[0].fakes, "G's half moves the points");

    // SGD at rate 1 through six wide layers diverges: the page pauses, says so, and shows the
    // runs as they were before the iteration that diverged.
    await page.locator("#plane-optimizer").selectOption("sgd");
    for (const [id, value] of [["plane-lrD", "1"], ["plane-lrG", "1"], ["plane-gLayers", "6"], ["plane-gWidth", "128"], ["plane-headStart", "0"]]) {
      await page.locator(`#${id}`).fill(value);
      await page.locator(`#${id}`).dispatchEvent("change");
    }
    await built(page);
    await settled(page);
    await page.locator("#plane-play").click();
    await page.waitForFunction(() => /diverged/.test(document.getElementById("plane-status").textContent), null, { timeout: 120_000 });
    await settled(page);
    const rolled = await page.evaluate(() => globalThis.ganPlayground.plane.frame);
    assert.equal(await page.locator("#plane-play").textContent(), "Play");
    assert.ok(rolled.runs.every((r) => r.fakes.every(Number.isFinite) && Number.isFinite(r.stats.dLoss)), "the runs shown are finite");
    assert.match(await page.locator("#plane-status").textContent(), /back where it was/);
  }, { url: url() });
});

test("draw your own data: the runs train on the drawn points; the link reproduces the set-up; PNG and WebM", async () => {
  await visit(async (page, errors, browser) => {
    await openLab(page);
    await page.locator("#plane-shape").selectOption("drawn");
    const pad = page.locator("#plane-pad");
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    await page.mouse.move(box.x + 40, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + 120, { steps: 12 });
    await page.mouse.up();
    await page.mouse.click(box.x + 60, box.y + 200);
    await page.waitForFunction(() => globalThis.ganPlayground.plane.setup?.shape === "drawn", null, { timeout: 120_000 });
    await built(page);
    await settled(page);
    const drawn = await page.evaluate(() => {
      const { plane } = globalThis.ganPlayground;
      return { centres: plane.info.centres, points: plane.pad.points().flat(), link: document.getElementById("plane-link").href };
    });
    assert.ok(drawn.points.length >= 2 * 5, `${drawn.points.length / 2} points drawn`);
    assert.deepEqual(drawn.centres.map((v) => Math.round(v * 1000) / 1000), drawn.points, "the data's centres are the drawn points");
    await page.locator("#plane-step").click();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration === 1);

    const png = page.waitForEvent("download");
    await page.locator("#plane-png").click();
    assert.match((await png).suggestedFilename(), /^plane-drawn-1\.png$/);
    await page.locator("#plane-record").click();
    await page.locator("#plane-play").click();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration >= 10, null, { timeout: 120_000 });
    await page.locator("#plane-play").click();
    const webm = page.waitForEvent("download");
    await page.locator("#plane-record").click();
    const video = await webm;
    assert.equal(video.suggestedFilename(), "plane-drawn.webm");
    const { size } = await import("node:fs").then((fs) => video.path().then((p) => fs.promises.stat(p)));
    assert.ok(size > 1000, `the video has ${size} bytes`);
    await settled(page);
    // Following the page's own link keeps the runs where they are.
    const at = await iteration(page);
    await page.locator("#plane-link").click();
    await page.waitForFunction(() => !location.hash.includes("plane="));
    await settled(page);
    assert.equal(await iteration(page), at, "the link of what is shown builds nothing again");

    // The link opens the same set-up, drawn points included, in a fresh page.
    const fresh = await browser.context.newPage();
    try {
      await fresh.goto(drawn.link.replace(/^[^#]*/, url()));
      await fresh.waitForFunction(() => globalThis.ganPlayground?.plane?.info && !globalThis.ganPlayground.plane.building, null, { timeout: 240_000 });
      const again = await fresh.evaluate(() => ({ centres: globalThis.ganPlayground.plane.info.centres, shape: document.getElementById("plane-shape").value,
        view: document.body.dataset.view }));
      assert.deepEqual(again, { centres: drawn.centres, shape: "drawn", view: "lab" });
    } finally {
      await fresh.close();
    }
  }, { url: url() });
});

test("bad input is said and changes nothing: no points, one point, rates of NaN and 1e309, a malformed link", async () => {
  await visit(async (page, errors) => {
    await openLab(page);
    await page.locator("#plane-step").click();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration === 1);
    await settled(page);
    const state = () => page.evaluate(() => {
      const { plane } = globalThis.ganPlayground;
      return JSON.stringify([plane.info, plane.frame.iteration, plane.frame.runs[0].fakes.slice(0, 8)]);
    });
    const kept = await state();
    const refused = async (says) => {
      await page.waitForFunction((text) => document.getElementById("plane-status").textContent.includes(text), says, { timeout: 30_000 });
      await settled(page);
      assert.equal(await state(), kept, "the runs are as they were");
    };
    await page.locator("#plane-shape").selectOption("drawn");
    await refused("drawn points must be a whole number from 2 to 500 (click or drag on the plane); got 0");
    const box = await page.locator("#plane-pad").boundingBox();
    await page.mouse.click(box.x + 100, box.y + 100);
    await refused("got 1");
    await page.locator("#plane-pad").evaluate(() => globalThis.ganPlayground.plane.pad.clear());
    await page.locator("#plane-shape").selectOption("ring");
    await built(page);
    await settled(page);
    const ring = await state();
    for (const [value, says] of [["NaN", "D learning rate must be a number from 1e-6 to 1; got “NaN”"], ["1e309", "got “1e309”"]]) {
      await page.locator("#plane-lrD").evaluate((el, v) => { el.type = "text"; el.value = v; el.dispatchEvent(new Event("change")); }, value);
      await page.waitForFunction((text) => document.getElementById("plane-status").textContent.includes(text), says);
      await settled(page);
      assert.equal(await state(), ring);
    }
    errors.length = 0;
    await page.evaluate(() => { location.hash = "#lab&plane=bm90IGpzb24"; });
    await page.waitForFunction(() => /this link's set-up cannot be used: the link's set-up must be one this page wrote; got bytes that are not JSON/
      .test(document.getElementById("error").textContent), null, { timeout: 30_000 });
    await settled(page);
    assert.equal(await state(), ring);
  }, { url: url() });
});

test("one worker or two hold the same runs, bit for bit; a third run trains with the maximum-likelihood cost", async () => {
  const after = async (query, third) => {
    let frame;
    await visit(async (page) => {
      await openLab(page);
      if (third) {
        await page.locator("#plane-third").check();
        await page.waitForFunction(() => globalThis.ganPlayground.plane.info?.costs.length === 3, null, { timeout: 120_000 });
        await built(page);
      }
      for (let i = 0; i < 3; i++) await page.locator("#plane-step").click();
      await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration === 3);
      await settled(page);
      frame = await page.evaluate(() => JSON.stringify(globalThis.ganPlayground.plane.frame));
      const workers = await page.evaluate(() => globalThis.ganPlayground.core.plane.active.length);
      assert.equal(workers, query.includes("planeWorkers=1") ? 1 : 2);
    }, { url: `${url()}${query}` });
    return JSON.parse(frame);
  };
  const one = await after("&planeWorkers=1", true);
  const two = await after("", true);
  assert.deepEqual(one.runs.map((r) => r.cost), ["saturating", "non_saturating", "maximum_likelihood"]);
  assert.deepEqual(two, one, "the same numbers whichever worker holds a run");
});
