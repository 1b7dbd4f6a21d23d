// Every number the page takes from a person, given what a person may type: nothing, a negative
// number, a fraction where a whole number belongs, 1e308 (text and NaN cannot be typed into a
// number box: the browser leaves it empty; links bring them, in studio-hostile.test.mjs). Each
// is refused with a message that names the setting and its range and quotes what it got, and
// nothing changes: the lab does not start, the studio makes no run, the image stays.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, visit, canvasPixels, view } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const VALUES = [["", "nothing"], ["-1", "-1"], ["2.5", "2.5"], ["1e308", "1e308"]];

// [control, the message's start, whether 2.5 lies in its range (then it is no bad value)]
const LAB = [
  ["lab-lr", "learning rate must be a number from 1e-6 to 0.1", false],
  ["lab-head", "head start must be a whole number from 0 to 1000", false],
  ["lab-k", "D steps per iteration must be a whole number from 1 to 10", false],
  ["lab-m", "G steps per iteration must be a whole number from 1 to 10", false],
];
const STUDIO = [
  ["studio-lr-d", "D learning rate must be a number from 1e-6 to 1e30", true],
  ["studio-lr-g", "G learning rate must be a number from 1e-6 to 1e30", true],
  ["studio-beta1", "Adam β1 must be a number from 0 to 0.99", false],
  ["studio-beta2", "Adam β2 must be a number from 0 to 0.9999", false],
  ["studio-batch", "batch size must be a whole number from 2 to 256", false],
  ["studio-k", "D steps per iteration must be a whole number from 1 to 10", false],
  ["studio-m", "G steps per iteration must be a whole number from 1 to 10", false],
  ["studio-seed", "seed must be a whole number from 0 to 4294967295", false],
  ["studio-ema", "average decay must be a number from 0 to 0.9999", false],
  ["studio-noise", "instance noise must be a number from 0 to 2", false],
  ["studio-noise-span", "instance noise span must be a whole number from 1 to 1000000", false],
];
const CADENCES = [
  ["studio-target", "target steps must be a whole number from 1 to 1000000", false],
  ["studio-history-every", "steps between history frames must be a whole number from 1 to 100000", false],
  ["studio-measure-every", "steps between quality measurements must be a whole number from 0 to 100000", false],
];

// Types `text` into control `id` as a person does, and lets `apply` (a change, a click) act.
async function tryValue(page, id, text, apply) {
  await page.locator(`#${id}`).fill(text);
  await apply();
}

async function refusedEach(page, controls, { prefix, apply, unchanged }) {
  for (const [id, message, takesFraction] of controls) {
    const kept = await page.locator(`#${id}`).inputValue();
    for (const [text, got] of VALUES) {
      if (text === "2.5" && takesFraction) continue;
      await tryValue(page, id, text, () => apply(id));
      const expected = `${prefix}${message}; got ${got}`;
      await page.waitForFunction((t) => document.getElementById("error").textContent.startsWith(t), expected)
        .catch(async () => assert.fail(`${id} = “${text}”: expected “${expected}”, the page says “${await page.locator("#error").textContent()}”`));
      await unchanged(`${id} = “${text}”`);
    }
    await page.locator(`#${id}`).fill(kept);
  }
}

test("every number the loss lab, the studio and the explorer take is refused by name and range, and nothing changes", async () => {
  await visit(async (page) => {
    const labUnchanged = async (what) => {
      const state = await page.evaluate(() => {
        const { lab } = globalThis.ganPlayground;
        return { phase: lab.phase, steps: lab.history[0].length, status: document.getElementById("lab-status").textContent };
      });
      assert.deepEqual(state, { phase: "idle", steps: 0, status: "Not started" }, what);
    };
    await view(page, "lab");
    await refusedEach(page, LAB, {
      prefix: "Loss lab: ",
      apply: (id) => page.locator(`#${id}`).dispatchEvent("change"),
      unchanged: labUnchanged,
    });

    const studioUnchanged = async (what) => {
      const state = await page.evaluate(() => ({ run: globalThis.ganPlayground.studio.run, running: globalThis.ganPlayground.studio.running }));
      assert.deepEqual(state, { run: null, running: false }, what);
    };
    await view(page, "studio");
    await refusedEach(page, STUDIO, {
      prefix: "Studio: ",
      apply: () => page.getByRole("button", { name: "Reset" }).last().click(),
      unchanged: studioUnchanged,
    });
    await refusedEach(page, CADENCES, {
      prefix: "Studio: ",
      apply: () => page.locator("#studio-play").click(),
      unchanged: studioUnchanged,
    });

    await view(page, "explore");
    const image = await canvasPixels(page);
    await refusedEach(page, [["seed", "seed must be a whole number from 0 to 4294967295", false]], {
      prefix: "Explorer: ",
      apply: () => page.locator("#seed").dispatchEvent("change"),
      unchanged: async (what) => assert.deepEqual(await canvasPixels(page), image, what),
    });
  }, { url: `${server.origin}/?backend=cpu` });
});

test("the theory plot's range refuses what is not a range it can draw, and the plot stays", async () => {
  await visit(async (page) => {
    const map = () => page.evaluate(() => document.getElementById("theory").outerHTML);
    const before = await map();
    for (const [from, to] of [["", "1"], ["2", "1"], ["-1e308", "1e308"], ["0", "1e7"]]) {
      // Both boxes typed, then one change: a refusal puts both back to the range drawn.
      await page.evaluate(([a, b]) => {
        document.getElementById("theory-ymin").value = a;
        document.getElementById("theory-ymax").value = b;
      }, [from, to]);
      await page.locator("#theory-ymax").dispatchEvent("change");
      await page.getByRole("alert").filter({ hasText: "The plot's range must go up from one number to a larger one, each from −1e+6 to 1e+6" }).waitFor();
      assert.equal(await map(), before, `${from} to ${to}: the plot is as it was`);
    }
  }, { url: `${server.origin}/?backend=cpu` });
});

test("a worker count in the URL that is not 1 or 2 is said, and the page chooses instead", async () => {
  await visit(async (page) => {
    await page.getByRole("alert").filter({ hasText: "labWorkers in the URL must be 1 or 2; got “abc”: the page chooses instead." }).waitFor();
    assert.equal(await page.evaluate(() => globalThis.ganPlayground.core.labWorkerCount()), 2);
  }, { url: `${server.origin}/?backend=cpu&labWorkers=abc` });
});

test("an upsampling in the URL that is neither transposed nor sub-pixel is said, and the page uses transposed", async () => {
  await visit(async (page) => {
    await page.getByRole("alert").filter({ hasText: "upsample in the URL: unknown upsampling “bilinear” (expected transposed or sub-pixel); the page uses transposed." }).waitFor();
  }, { url: `${server.origin}/?backend=cpu&upsample=bilinear` });
});
