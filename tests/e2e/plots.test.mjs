// The plots draw only true values: every vertex of every curve, in every view, read back from
// the SVG in data units, is the closed form's (within a pixel), inside the frame or not (so none
// is clamped to an edge); every batch dot is on its curve or is an edge marker carrying its true
// value; the training charts draw the statistics the runs reported; ticks are round.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, openReady, untilIteration, setHeadStart, view } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

// Closed forms, written here independently of the Rust core they check (d = D(G(z))).
const CLOSED = {
  saturating: { cost: (d) => Math.log(1 - d), slopeD: (d) => -1 / (1 - d), slopeLogit: (d) => -d },
  non_saturating: { cost: (d) => -Math.log(d), slopeD: (d) => -1 / d, slopeLogit: (d) => -(1 - d) },
  maximum_likelihood: { cost: (d) => -0.5 * d / (1 - d), slopeD: (d) => -0.5 / (1 - d) ** 2, slopeLogit: (d) => -0.5 * d / (1 - d) },
};

// Every mark of an svg in pixels, with the frame's mapping (www/plot.js writes it on the svg).
function readPlot(page, selector) {
  return page.evaluate((sel) => {
    const svg = document.querySelector(sel);
    const n = (k) => Number(svg.dataset[k]);
    const vertices = (d) => [...d.matchAll(/[ML](-?[\d.e+-]+),(-?[\d.e+-]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const paths = (attr) => Object.fromEntries([...svg.querySelectorAll(`path[${attr}]`)].map((p) => [p.getAttribute(attr), vertices(p.getAttribute("d"))]));
    const batch = (cost) => ({
      dots: [...svg.querySelectorAll(`g[data-batch=${cost}] circle`)].map((c) => ({ u: Number(c.dataset.u), v: Number(c.dataset.value), cy: Number(c.getAttribute("cy")) })),
      off: [...svg.querySelectorAll(`g[data-batch=${cost}] .off-scale`)].map((m) => ({
        u: Number(m.dataset.u), v: Number(m.dataset.value), side: m.dataset.offScale,
        tip: Number(m.getAttribute("d").match(/L(-?[\d.]+),(-?[\d.]+)Z/)[2]), title: m.textContent,
      })),
    });
    return {
      map: { x0: n("x0"), x1: n("x1"), y0: n("y0"), y1: n("y1"), left: n("left"), right: n("right"), top: n("top"), bottom: n("bottom"), log: svg.dataset.log === "true" },
      curves: paths("data-cost"), runs: paths("data-run"),
      batches: { saturating: batch("saturating"), non_saturating: batch("non_saturating") },
      ticks: [...svg.querySelectorAll(".tick-x, .tick-y")].map((t) => t.textContent),
      xTicks: [...svg.querySelectorAll(".tick-x")].map((t) => t.textContent),
      yTicks: [...svg.querySelectorAll(".tick-y")].map((t) => t.textContent),
    };
  }, selector);
}

const toPixel = (m, v) => {
  const t = (x) => (m.log ? Math.log10(x) : x);
  return m.top + (1 - (t(v) - t(m.y0)) / (t(m.y1) - t(m.y0))) * (m.bottom - m.top);
};
const toU = (m, px) => m.x0 + ((px - m.left) / (m.right - m.left)) * (m.x1 - m.x0);
const inFrame = (m, v) => Number.isFinite(v) && v >= m.y0 && v <= m.y1;

function checkTheory(plot, mode, view) {
  const m = plot.map;
  for (const [cost, forms] of Object.entries(CLOSED)) {
    const vertices = plot.curves[cost];
    assert.ok(vertices, `${view}: ${cost} is drawn`);
    const finite = Array.from({ length: 401 }, (_, i) => forms[mode](i / 400)).filter(Number.isFinite).length;
    assert.equal(vertices.length, finite, `${view}: ${cost} has a vertex for every finite value, and no other`);
    let outside = 0;
    for (const [px, py] of vertices) {
      const d = Math.round(toU(m, px) * 400) / 400;
      const want = toPixel(m, forms[mode](d));
      assert.ok(Math.abs(py - want) <= 1, `${view}: ${cost} at D = ${d} drawn at ${py}px, the closed form is at ${want.toFixed(2)}px`);
      if (py < m.top - 1 || py > m.bottom + 1) outside++;
    }
    // Where the curve leaves the frame its vertices lie beyond the edge (clipped), not on it.
    if (view === "cost" && cost === "non_saturating") assert.ok(outside > 50, `${view}: ${outside} vertices off the frame`);
  }
  for (const [cost, { dots, off }] of Object.entries(plot.batches)) {
    assert.equal(dots.length + off.length, 32, `${view}: all of ${cost}'s batch is shown`);
    for (const { u, v, cy } of dots) {
      assert.ok(Math.abs(v - CLOSED[cost][mode](u)) <= 1e-9 * Math.max(1, Math.abs(v)), `${view}: ${cost} dot's value`);
      assert.ok(inFrame(m, v) && Math.abs(cy - toPixel(m, v)) <= 1, `${view}: ${cost} dot at D = ${u} sits on its value`);
    }
    for (const { u, v, side, tip, title } of off) {
      assert.ok(Math.abs(v - CLOSED[cost][mode](u)) <= 1e-9 * Math.max(1, Math.abs(v)), `${view}: ${cost} marker keeps the true value`);
      assert.ok(!inFrame(m, v), `${view}: a marker only for a value off the plot (${v})`);
      assert.equal(side, v > m.y1 ? "above" : "below");
      assert.ok(side === "above" ? tip < m.top : tip > m.bottom, "the marker points off the plot");
      assert.match(title, /off scale/);
    }
  }
}

const tickValue = (label) => Number(label.replace("−", "-"));

// Labels are plain numbers below 10⁴ (no "1e+" cut short, no exponent), and each linear axis
// steps by 1, 2 or 5 × 10ⁿ; a log axis ticks at powers of ten.
function checkTicks(plot) {
  for (const label of plot.ticks) {
    assert.ok(!/e\+|e$/.test(label), `tick “${label}” is not cut or written with an exponent below 10⁴`);
    assert.ok(Number.isFinite(tickValue(label)), `tick “${label}” is a number`);
  }
  roundSteps(plot.xTicks.map(tickValue));
  const ys = plot.yTicks.map(tickValue);
  if (plot.map.log) for (const v of ys) assert.ok(Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9, `log tick ${v}`);
  else roundSteps(ys);
}

// Consecutive ticks of one axis differ by one 1, 2 or 5 × 10ⁿ step.
function roundSteps(values) {
  const steps = values.slice(1).map((v, i) => v - values[i]);
  if (steps.length < 1) return;
  const step = steps[0];
  for (const s of steps) assert.ok(Math.abs(s - step) < 1e-9 * Math.abs(step), `even ticks: ${values}`);
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  assert.ok([1, 2, 5].some((k) => Math.abs(mantissa - k) < 1e-6), `a 1/2/5 step: ${values}`);
}

test("every view draws the closed forms and the batches at their true values, clipped or marked off scale", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  try {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await setHeadStart(page, 20);
    await page.locator("#lab-step").click();
    await untilIteration(page, 1, 120_000);
    await page.getByLabel("maximum-likelihood cost").check();
    for (const view of ["cost", "squeezed", "slopeD", "slopeLogit"]) {
      await page.getByLabel("Show", { exact: true }).selectOption(view);
      const plot = await readPlot(page, "#theory");
      checkTheory(plot, view === "squeezed" ? "cost" : view, view);
      checkTicks(plot);
    }

    // The default view: D is ahead, so the non-saturating batch (−log D ≈ 4) is off the plot …
    await page.getByLabel("Show", { exact: true }).selectOption("cost");
    let plot = await readPlot(page, "#theory");
    assert.ok(plot.batches.non_saturating.off.length > 0, "the batch sits above the default range");
    // … until the range is chosen to reach it, still at true scale.
    await page.getByLabel("to", { exact: true }).fill("6");
    await page.getByLabel("to", { exact: true }).press("Enter");
    plot = await readPlot(page, "#theory");
    assert.equal(plot.map.y1, 6);
    checkTheory(plot, "cost", "cost up to 6");
    const m = plot.map;
    const pxPerUnitUp = (m.bottom - m.top) / (m.y1 - m.y0), pxPerUnitAcross = (m.right - m.left) / (m.x1 - m.x0);
    assert.ok(Math.abs(pxPerUnitUp - pxPerUnitAcross) < 0.01 * pxPerUnitAcross, "still one unit up as long as one across");
    await page.locator("#lab-reset").last().click();
    await page.getByRole("button", { name: "Fit the batches" }).click();
    plot = await readPlot(page, "#theory");
    for (const b of Object.values(plot.batches)) assert.equal(b.off.length, 0, "fitted: every sample on the plot");
    checkTheory(plot, "cost", "fitted");
    // A range that does not go up is refused, and the plot stays as it was.
    await page.getByLabel("from", { exact: true }).fill("9");
    await page.getByLabel("from", { exact: true }).press("Enter");
    await page.getByRole("alert").filter({ hasText: "range must go up" }).waitFor();
    assert.deepEqual((await readPlot(page, "#theory")).map, plot.map);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("the training charts draw the runs' statistics, with round ticks", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  try {
    await openReady(page, `${server.origin}/?backend=cpu`, errors);
    await view(page, "lab");
    await setHeadStart(page, 2);
    for (let i = 0; i < 3; i++) await page.locator("#lab-step").click();
    await untilIteration(page, 3, 120_000);
    // The charts redraw a moment later (throttled): each says how many steps it drew.
    await page.waitForFunction(() => [...document.querySelectorAll("svg[id^=chart-]")]
      .every((svg) => svg.dataset.steps === "3"));
    const history = await page.evaluate(() => globalThis.ganPlayground.lab.history);
    for (const key of ["gCost", "dLoss", "dReal", "dFakeBefore", "gGradNorm"]) {
      const plot = await readPlot(page, `#chart-${key}`);
      for (const [i, cost] of ["saturating", "non_saturating"].entries()) {
        const vertices = plot.runs[cost];
        assert.equal(vertices.length, history[i].length, `${key}: a vertex per step`);
        vertices.forEach(([px, py], j) => {
          assert.ok(Math.abs(toU(plot.map, px) - (j + 1)) < 0.05, `${key} ${cost}: step ${j + 1}`);
          assert.ok(Math.abs(py - toPixel(plot.map, history[i][j][key])) <= 1, `${key} ${cost}: step ${j + 1}'s value`);
        });
      }
      checkTicks(plot);
    }
    // The x axis of a long run: round steps, and no label cut to "1e+".
    const labels = await page.evaluate(async () => {
      const { formatTick, niceTicks } = await import("./www/plot.js");
      return { big: formatTick(20000), small: formatTick(0.001), neg: formatTick(-0.4), ticks: niceTicks(0, 10000, 2), odd: niceTicks(-0.41, 1.3, 2) };
    });
    assert.deepEqual(labels.big, "2e4");
    assert.deepEqual(labels.small, "0.001");
    assert.deepEqual(labels.neg, "−0.4");
    roundSteps(labels.ticks);
    roundSteps(labels.odd);
    assert.ok(!labels.odd.includes(-0.41), "no odd tick at the range's end");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
