// The page as one app: its views and deep links; a layout that fits a 1440×900 window and a
// 390×844 phone (each view's screenshot goes to $SCREENSHOTS, default test-results/screenshots:
// `npm run screenshots` writes the README's, under docs/screenshots); axe-core over every view
// and state in both themes; the keyboard; touch on the theory plot; and the studio training
// while its tab is hidden.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { serveDist, visit, openReady, view, settled, untilIteration, waitReady } from "./harness.mjs";
import { realWindow } from "./window.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SIZES = [{ width: 1440, height: 900 }, { width: 390, height: 844 }];
const SHOTS = process.env.SCREENSHOTS ?? "test-results/screenshots";
// What each view is for, which must be on the first screen with nothing scrolled: the image a
// person steers and the controls that steer it (on a phone, the first of them).
const PRIMARY = {
  explore: { wide: ["#sample", "#direction-0", "#z-0", "#seed", "#randomize", "#play", "#scrub", "#new-grid"], phone: ["#sample", "#direction-0"] },
  lab: { wide: ["#theory", "#theory-mode", "#probe", "#lab-run", "#lab-step", "#chart-gCost"], phone: ["#theory", "#theory-mode"] },
  studio: { wide: ["#studio-play", "#studio-step", "#studio-grid", "#studio-status", "#studio-chart-dLoss"], phone: ["#studio-play", "#studio-grid"] },
};

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const shown = (page) => page.evaluate(() => [...document.querySelectorAll(".view")].filter((v) => !v.hidden).map((v) => v.dataset.view));

test("views: the header moves between them, Back returns, deep links open them with the explorer's state, old links still work", async () => {
  await visit(async (page, errors) => {
    assert.deepEqual(await shown(page), ["explore"]);
    await view(page, "lab");
    assert.deepEqual(await shown(page), ["lab"]);
    assert.match(await page.evaluate(() => location.hash), /^#lab(&|$)/);
    assert.equal(await page.locator("nav a[aria-current=page]").textContent(), "Lab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "lab-title", "the view's heading takes the focus");
    await page.goBack();
    await page.waitForFunction(() => document.body.dataset.view === "explore");
    assert.deepEqual(await shown(page), ["explore"]);
    // A deep link names a view and the explorer's model and z together.
    const z = await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get("z"));
    await page.evaluate((z) => { location.hash = `#studio&model=emoji&z=${z}`; }, z);
    await page.waitForFunction(() => document.getElementById("model").value === "emoji");
    await waitReady(page, errors);
    assert.deepEqual(await shown(page), ["studio"]);
    // Ready, the link names the new model: the old one never writes over it while this loads.
    assert.match(await page.evaluate(() => location.hash), /^#studio&model=emoji&z=/);
    // A link of the explorer as it always was opens the explorer.
    await page.evaluate((z) => { location.hash = `#model=fashion&z=${z}`; }, z);
    await page.waitForFunction(() => document.getElementById("model").value === "fashion");
    await waitReady(page, errors);
    assert.deepEqual(await shown(page), ["explore"]);
    // Opened cold: #lab is the lab, a recipe is the studio.
    await page.goto("about:blank");
    await openReady(page, `${server.origin}/?backend=cpu#lab`, errors);
    assert.deepEqual(await shown(page), ["lab"]);
    await page.goto("about:blank");
    await openReady(page, `${server.origin}/?backend=cpu#recipe=1&dataset=fashion`, errors);
    assert.deepEqual(await shown(page), ["studio"]);
    assert.equal(await page.locator("#studio-dataset").inputValue(), "fashion");
  }, { url: `${server.origin}/?backend=cpu` });
});

// axe-core's serious and critical violations on what is shown now, as readable lines.
async function audit(page, what) {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => (await globalThis.axe.run(document, { resultTypes: ["violations"] })).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`));
  assert.deepEqual(violations, [], `axe-core on ${what}`);
}

async function auditViews(page, state) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const v of ["explore", "lab", "studio"]) {
      await view(page, v);
      await audit(page, `${v}, ${state}, ${scheme} theme`);
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
}

// Nothing wider than the window; the view's primary controls and image inside the first screen.
async function checkLayout(page, v, size) {
  await page.evaluate(() => scrollTo(0, 0));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${v} at ${size.width}×${size.height}: ${overflow} px of horizontal scroll`);
  const wanted = PRIMARY[v][size.width < 600 ? "phone" : "wide"];
  const outside = await page.evaluate((ids) => ids.filter((id) => {
    const r = document.querySelector(id).getBoundingClientRect();
    return !(r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth);
  }), wanted);
  assert.deepEqual(outside, [], `${v} at ${size.width}×${size.height}: off the first screen`);
  // Every control shown is at least 24 px each way (links inside sentences aside).
  const small = await page.evaluate(() => [...document.querySelectorAll("button, select, input, nav a")].filter((el) => {
    const r = el.getBoundingClientRect();
    return el.checkVisibility() && el.type !== "hidden" && (r.width < 24 || r.height < 24);
  }).map((el) => `#${el.id || el.textContent}`));
  assert.deepEqual(small, [], `${v} at ${size.width}×${size.height}: controls under 24 px`);
}

test("layout and accessibility: each view fits 1440×900 and 390×844, with screenshots; axe-core finds nothing serious in either theme, before and after runs", async () => {
  mkdirSync(SHOTS, { recursive: true });
  await visit(async (page, errors) => {
    await page.setViewportSize(SIZES[0]);
    await auditViews(page, "before any run");
    // Both live runs of the lab, and the studio, some steps in.
    await view(page, "lab");
    for (let i = 0; i < 2; i++) await page.locator("#lab-step").click();
    await untilIteration(page, 2);
    await view(page, "studio");
    await page.locator("#studio-step").click();
    await page.waitForFunction(() => document.getElementById("studio-stage").dataset.empty === "false");
    await settled(page);
    await auditViews(page, "after some steps");
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const v of ["explore", "lab", "studio"]) {
        await view(page, v);
        await checkLayout(page, v, size);
        await page.screenshot({ path: `${SHOTS}/${v}-${size.width}x${size.height}.png` });
      }
    }
    // The dark theme, as a system set to dark shows it.
    await page.setViewportSize(SIZES[0]);
    await page.emulateMedia({ colorScheme: "dark" });
    await view(page, "lab");
    await page.screenshot({ path: `${SHOTS}/lab-1440x900-dark.png` });
    await page.emulateMedia({ colorScheme: "light" });
    // The lab in data space on the 25-Gaussian grid, played to iteration 2,500 (where
    // docs/LOSS_LAB.md measures the two costs apart, natively).
    await page.locator("#plane-panel").scrollIntoViewIfNeeded();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame && !globalThis.ganPlayground.plane.building, null, { timeout: 240_000 });
    await page.locator("#plane-shape").selectOption("grid");
    await page.waitForFunction(() => globalThis.ganPlayground.plane.setup?.shape === "grid" && !globalThis.ganPlayground.plane.building, null, { timeout: 240_000 });
    await page.locator("#plane-speed").selectOption("20");
    await page.locator("#plane-play").click();
    await page.waitForFunction(() => globalThis.ganPlayground.plane.frame.iteration >= 2500, null, { timeout: 240_000 });
    await page.locator("#plane-play").click();
    await settled(page);
    await page.locator("#plane-runs").screenshot({ path: `${SHOTS}/lab-plane-1440x900.png` });
    // An error shown is a state a person reaches too.
    await view(page, "explore");
    await page.locator("#seed").fill("-1");
    await page.locator("#seed").dispatchEvent("change");
    await page.locator("#error").waitFor({ state: "visible" });
    await audit(page, "explore with an error shown");
  }, { url: `${server.origin}/?backend=cpu` });
});

test("empty states: the lab's and the studio's stages say what will appear and how to start, until it does", async () => {
  await visit(async (page) => {
    await view(page, "lab");
    for (const id of ["lab-charts", "lab-grids"]) {
      const note = page.locator(`#${id} > .empty`);
      assert.ok(await note.isVisible(), `${id} says what will appear`);
    }
    assert.match(await page.locator("#lab-charts > .empty").textContent(), /Press Start or Step/);
    await view(page, "studio");
    assert.match(await page.locator("#studio-stage > .empty").textContent(), /press Train/);
    await page.locator("#studio-step").click();
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.iteration === "1");
    await settled(page);
    assert.ok(!(await page.locator("#studio-stage > .empty").isVisible()));
    assert.ok(!(await page.locator("#studio-charts > .empty").isVisible()));
  }, { url: `${server.origin}/?backend=cpu` });
});

test("keyboard: the header first, focus always visible, the theory plot's probe and range and the charts' readouts by keys", async () => {
  await visit(async (page) => {
    // Tab from the top: the name, the three views, the model and the backend, then the view.
    const order = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      order.push(await page.evaluate(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return { id: el.id || el.textContent.trim(), outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 };
      }));
    }
    assert.deepEqual(order.slice(0, 6).map((o) => o.id), ["gan-playground", "Explore", "Lab", "Studio", "model", "backend-choice"]);
    assert.deepEqual(order.filter((o) => !o.outline), [], "every focus shows an outline");
    // The theory plot takes the focus; ← → move the probe, + zooms, 0 resets.
    // Past it, round the whole page (the lab in data space below it has many controls) and back.
    for (let i = 0; i < 200 && (await page.evaluate(() => document.activeElement.id)) !== "theory"; i++) await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "theory");
    const probe = () => page.locator("#probe").inputValue().then(Number);
    const before = await probe();
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
    assert.ok(Math.abs((await probe()) - before - 0.05) < 1e-9, "→ moves the probe by 0.01");
    assert.equal(await page.locator("#probe-value").textContent(), (before + 0.05).toFixed(2));
    const span = async () => Number(await page.locator("#theory-ymax").inputValue()) - Number(await page.locator("#theory-ymin").inputValue());
    const full = await span();
    await page.keyboard.press("+");
    assert.ok(Math.abs((await span()) - 0.8 * full) < 1e-6, "+ zooms in");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("0");
    assert.ok(Math.abs((await span()) - full) < 1e-9, "0 resets the range");
    // Zoomed far in, the curves leave the plot, and the line under it says what is off it.
    for (let i = 0; i < 12; i++) await page.keyboard.press("+");
    for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowUp");
    await page.locator("#lab-step").click();
    await untilIteration(page, 1);
    await page.locator("#theory").focus();
    await page.locator("#theory").evaluate((svg) => svg.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true })));
    const marks = await page.locator("#theory [data-off-scale]").count();
    const off = await page.locator("#theory-off").textContent();
    if (marks) assert.match(off, /^Off the plot: \d+ /);
    else assert.equal(off, "Nothing is off the plot.");
    // A chart's readout: its latest values, reached by Tab.
    await page.locator("#chart-gCost").focus();
    assert.match(await page.locator("#lab-readout").textContent(), /^G cost over steps: .*saturating.* at 1/);
    await settled(page);
  }, { url: `${server.origin}/?backend=cpu#lab` });
});

test("touch: one finger drags the theory plot's range, two fingers pinch it about the values they hold", async () => {
  await visit(async (page) => {
    await view(page, "lab");
    const range = async () => [Number(await page.locator("#theory-ymin").inputValue()), Number(await page.locator("#theory-ymax").inputValue())];
    const box = await page.locator("#theory").boundingBox();
    const touch = (type, id, y) => page.locator("#theory").evaluate((svg, [type, id, x, y]) => {
      const target = type === "pointerdown" ? svg : window;
      target.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: "touch", clientX: x, clientY: y, bubbles: true, isPrimary: id === 1 }));
    }, [type, id, box.x + box.width / 2, y]);
    const [y0, y1] = await range();
    const perPixel = (y1 - y0) / (Number(await page.locator("#theory").getAttribute("data-bottom")) - Number(await page.locator("#theory").getAttribute("data-top")));
    await touch("pointerdown", 1, box.y + 100);
    await touch("pointermove", 1, box.y + 160);
    await touch("pointerup", 1, box.y + 160);
    const [d0, d1] = await range();
    assert.ok(Math.abs(d0 - (y0 + 60 * perPixel)) < 1e-3 && Math.abs(d1 - (y1 + 60 * perPixel)) < 1e-3, `a 60 px drag moves the range by 60 px of values: ${[d0, d1]}`);
    // Two fingers 100 px apart spread to 200: the span halves.
    await touch("pointerdown", 1, box.y + 150);
    await touch("pointerdown", 2, box.y + 250);
    await touch("pointermove", 1, box.y + 100);
    await touch("pointermove", 2, box.y + 300);
    await touch("pointerup", 1, box.y + 100);
    await touch("pointerup", 2, box.y + 300);
    const [p0, p1] = await range();
    assert.ok(Math.abs((p1 - p0) - (d1 - d0) / 2) < 1e-3, `the pinch halves the span: ${[p0, p1]} from ${[d0, d1]}`);
  }, { url: `${server.origin}/?backend=cpu` });
});

test("hidden tab: in a real window, the studio keeps training while another tab is in front, and pauses then only when asked to", async () => {
  const tab = await realWindow(`${server.origin}/?backend=cpu#studio`);
  try {
    const iteration = 'Number(document.getElementById("studio-panel").dataset.iteration ?? 0)';
    await tab.until('document.body.dataset.ready === "true"', "the page is ready");
    await tab.evaluate('document.getElementById("studio-play").click()');
    await tab.until(`${iteration} >= 2`, "the studio trains");
    await tab.hide();
    await tab.until('document.visibilityState === "hidden"', "the tab is hidden");
    const at = await tab.evaluate(iteration);
    await tab.until(`${iteration} >= ${at + 5}`, "training goes on while hidden");
    assert.ok(await tab.evaluate("globalThis.ganPlayground.studio.running"), "still training while hidden");
    // Asked to, it pauses when hidden and goes on when shown again.
    await tab.show();
    await tab.until('document.visibilityState === "visible"', "the tab is shown");
    await tab.evaluate('document.getElementById("studio-hidden-pause").click()');
    await tab.hide();
    await tab.until("!globalThis.ganPlayground.studio.running", "it pauses when hidden");
    assert.match(await tab.evaluate('document.getElementById("studio-status").textContent'), /paused while the tab is hidden/);
    const paused = await tab.evaluate(iteration);
    await tab.show();
    await tab.until("globalThis.ganPlayground.studio.running", "it goes on when shown");
    await tab.until(`${iteration} > ${paused}`, "it steps again");
    await tab.evaluate('document.getElementById("studio-play").click()'); // pause
    await tab.until("!globalThis.ganPlayground.studio.running && globalThis.ganPlayground.core.outstanding() === 0", "it pauses");
    assert.deepEqual(tab.errors, []);
  } finally {
    await tab.close();
  }
});
