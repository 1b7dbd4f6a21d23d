// The training studio in a real browser, on a tiny configuration: it trains, pauses, survives
// a reload, takes and refuses checkpoints (one made by the CLI itself), rolls a diverged run
// back, and opens what it trained in the explorer.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDist, visit, launch, openReady, waitReady, canvasPixels, maxDifference, settled, framesPass } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

const url = () => `${server.origin}/?backend=cpu#studio`;
const panel = (page, key) => page.evaluate((k) => Number(document.getElementById("studio-panel").dataset[k] ?? -1), key);
const untilStep = (page, n) => page.waitForFunction((k) => Number(document.getElementById("studio-panel").dataset.iteration ?? 0) >= k, n, { timeout: 240_000 });
const linePoints = (page, key) => page.locator(`#studio-chart-${key} path[data-run=studio]`).getAttribute("d").then((d) => (d ? d.split(/[ML]/).length - 1 : 0));

// The tiny set-up every test trains: batch 8 on the 28-pixel tiny net.
async function tiny(page, { target = 5, lr } = {}) {
  await page.getByLabel("Batch size").fill("8");
  await page.getByLabel("Target steps").fill(String(target));
  if (lr) {
    await page.getByLabel("D learning rate").fill(String(lr));
    await page.getByLabel("G learning rate").fill(String(lr));
  }
}

// The float32 tensors of a safetensors file, by name.
function tensors(bytes) {
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString());
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__" || t.dtype !== "F32") continue;
    const [a, b] = t.data_offsets;
    out[name] = new Float32Array(bytes.slice(8 + n + a, 8 + n + b).buffer);
  }
  return out;
}

// The CLI as the native tests built it (scripts/test.sh runs them first).
const cli = join(process.env.CARGO_TARGET_DIR ?? "target", "debug", "gan-playground");
const MNIST = "assets/data/mnist/train-10k-images-idx3-ubyte.gz";
function cliRun(dir, iterations) {
  assert.ok(existsSync(cli), `${cli} is missing: build it first (cargo test --all-targets builds it)`);
  execFileSync(cli, ["train", "--images", MNIST, "--out", dir, "--arch", "dcgan", "--ngf", "16", "--ndf", "16",
    "--batch-size", "8", "--seed", "1", "--iterations", String(iterations), "--sample-every", "0", "--checkpoint-every", "0"],
  { stdio: "pipe" });
  return join(dir, "checkpoint");
}

test("studio: steps run and the curves and grid grow; pause stops them; a reload restores the step, the pixels and the curves", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  try {
    await openReady(page, url(), errors);
    await tiny(page, { target: 4 });
    await page.locator("#studio-play").click();
    await untilStep(page, 4);
    await page.waitForFunction(() => document.getElementById("studio-play").textContent === "Train");
    assert.equal(await linePoints(page, "dLoss"), 4);
    await page.getByLabel("Target steps").fill("1000");
    await page.locator("#studio-play").click();
    await untilStep(page, 7);
    await page.locator("#studio-play").click(); // pause
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === document.getElementById("studio-panel").dataset.iteration);
    await settled(page);
    const stopped = await panel(page, "iteration");
    await framesPass(page);
    assert.equal(await panel(page, "iteration"), stopped, "pause stops the steps");
    assert.ok(stopped >= 7 && (await linePoints(page, "gCost")) === stopped, "one point per step");
    await page.waitForFunction((n) => document.getElementById("studio-grid").dataset.iteration === String(n), stopped);
    const pixels = await canvasPixels(page, "#studio-grid");
    assert.ok(pixels.some((v, i) => i % 4 !== 3 && v > 0), "the grid shows samples");

    await page.reload();
    await waitReady(page, errors);
    await page.getByText(`saved in this browser at step ${stopped}`).waitFor();
    await page.getByRole("button", { name: "Resume it" }).click();
    await page.waitForFunction((n) => document.getElementById("studio-grid").dataset.iteration === String(n), stopped);
    assert.equal(await panel(page, "iteration"), stopped);
    assert.deepEqual(await canvasPixels(page, "#studio-grid"), pixels, "the same pixels from the same z");
    assert.equal(await linePoints(page, "dLoss"), stopped, "the curves are back");
    assert.equal(await page.getByLabel("Batch size").inputValue(), "8", "the settings are back");
    // And it trains on from there.
    await page.getByRole("button", { name: "Step" }).last().click();
    await untilStep(page, stopped + 1);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("studio: a CLI checkpoint goes on in the page; a corrupt one is refused and the grid is unchanged", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gan-studio-"));
  try {
    const three = cliRun(join(dir, "three"), 3);
    const four = cliRun(join(dir, "four"), 4);
    await visit(async (page) => {
      await page.locator("#studio-upload").setInputFiles(join(three, "run.safetensors"));
      await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "3");
      assert.equal(await page.getByLabel("Architecture").inputValue(), "tiny-28");
      assert.equal(await page.getByLabel("Batch size").inputValue(), "8");
      await page.getByRole("button", { name: "Step" }).last().click();
      await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "4");
      // The page's step 4 is the CLI's step 4 (up to the float rounding of two CPU backends).
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Download generator" }).click();
      const file = join(dir, "page-generator.safetensors");
      await (await download).saveAs(file);
      const [ours, theirs] = [file, join(four, "generator.safetensors")].map((f) => tensors(new Uint8Array(readFileSync(f))));
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
      const worst = Math.max(...Object.keys(ours).map((k) => maxDifference(ours[k], theirs[k])));
      assert.ok(worst < 1e-3, `the page's generator is ${worst} from the CLI's`);

      const grid = await canvasPixels(page, "#studio-grid");
      const torn = join(dir, "torn.safetensors");
      const whole = readFileSync(join(three, "run.safetensors"));
      writeFileSync(torn, whole.subarray(0, whole.length >> 1));
      await page.locator("#studio-upload").setInputFiles(torn);
      await page.getByText("The checkpoint torn.safetensors was refused").waitFor();
      assert.equal(await panel(page, "iteration"), 4);
      assert.deepEqual(await canvasPixels(page, "#studio-grid"), grid, "the grid is unchanged");
      // The run it kept still trains.
      await page.getByRole("button", { name: "Step" }).last().click();
      await page.waitForFunction(() => document.getElementById("studio-grid").dataset.iteration === "5");
    }, { url: url() });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("studio: an absurd learning rate diverges, and the run pauses and rolls back to its last good snapshot", async () => {
  await visit(async (page) => {
    // The run starts at the absurd rate; its step 0 is the last good snapshot.
    await tiny(page, { target: 3, lr: 1e30 });
    assert.match(await page.locator("#studio-warning").textContent(), /diverge/);
    await page.getByRole("button", { name: "Reset" }).last().click();
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === "0");
    await page.locator("#studio-play").click();
    await page.getByText(/Training diverged at step 1 .*rolled back to the snapshot at step 0/).waitFor({ timeout: 120_000 });
    assert.equal(await panel(page, "rollbacks"), 1);
    assert.equal(await panel(page, "iteration"), 0);
    assert.equal(await page.locator("#studio-play").textContent(), "Train", "paused");
    assert.equal(await linePoints(page, "dLoss"), 0, "no point of the diverged step is kept");
  }, { url: url() });
});

test("studio: Open in explorer shows the trained model under the sliders, and its link says where it lives", async () => {
  const browser = await launch();
  const { page, errors } = browser;
  try {
    await openReady(page, url(), errors);
    const shipped = await canvasPixels(page);
    await tiny(page, { target: 2 });
    await page.locator("#studio-play").click();
    await untilStep(page, 2);
    await page.getByLabel("Name").fill("e2e-digits");
    await page.getByRole("button", { name: "Open in explorer" }).click();
    await page.waitForFunction(() => document.getElementById("model").value === "local:e2e-digits" && document.body.dataset.ready === "true");
    await page.waitForFunction(() => location.hash.includes("model=local:e2e-digits"));
    const ours = await canvasPixels(page);
    assert.ok(maxDifference(ours, shipped) > 0, "the explorer draws the studio's generator, not the shipped one");
    assert.equal(await page.locator("#sliders input[type=range]").count(), 100);
    const link = page.url();
    // The same browser opens the link from its own storage …
    await page.goto("about:blank");
    await openReady(page, link, errors);
    assert.equal(await page.locator("#model").inputValue(), "local:e2e-digits");
    assert.deepEqual(await canvasPixels(page), ours);
    assert.deepEqual(errors, []);
    // … another says plainly that the model lives only where it was trained.
    await visit(async (other) => {
      await other.getByText("lives only in the browser that has it").waitFor();
    }, { url: link });
  } finally {
    await browser.close();
  }
});

test("studio: the history strip keeps the grid every N steps, scrubs, and exports a WebM; quality is measured in the worker", async () => {
  await visit(async (page) => {
    await tiny(page, { target: 4 });
    await page.locator("#studio-history-every").fill("2");
    await page.getByLabel(/Measure quality every/).fill("2");
    await page.locator("#studio-play").click();
    await untilStep(page, 4);
    await page.waitForFunction(() => document.getElementById("studio-play").textContent === "Train");
    // Frames at steps 0, 2 and 4 (the last also where the run stopped).
    const steps = await page.locator("#studio-history-strip canvas").evaluateAll((cs) => cs.map((c) => c.title));
    assert.deepEqual(steps, ["step 0", "step 2", "step 4"]);
    await page.locator("#studio-history-scrub").fill("1");
    assert.equal(await page.locator("#studio-history-step").textContent(), "step 2");
    assert.equal(await page.locator("#studio-history-view").getAttribute("data-iteration"), "2");
    // Quality at steps 2 and 4: two points on each chart, and what it cost.
    assert.equal(await panel(page, "measured"), 4);
    assert.equal(await linePoints(page, "score"), 2);
    assert.equal(await linePoints(page, "fd"), 2);
    assert.match(await page.locator("#studio-quality-status").textContent(), /classifier score \d+\.\d\d .*Fréchet distance \d+\.\d .*real images read \d+\.\d.*measured in \d+ ms/);
    const download = page.waitForEvent("download", { timeout: 30_000 });
    await page.getByRole("button", { name: "Export history (WebM)" }).click();
    const webm = await download;
    assert.match(webm.suggestedFilename(), /^studio-history-step4\.webm$/);
    const bytes = await (await webm.createReadStream()).toArray().then((parts) => Buffer.concat(parts));
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "an EBML (WebM) file");
  }, { url: url() });
});

test("studio: with G's average and DiffAugment on, the run trains, and what it ships is the average", async () => {
  await visit(async (page) => {
    await tiny(page, { target: 3 });
    await page.getByLabel("Average of G, decay (0: none)").fill("0.5");
    for (const a of ["translation", "cutout", "colour"]) await page.locator(`#studio-aug-${a}`).check();
    await page.getByRole("button", { name: "Reset" }).last().click();
    await page.locator("#studio-play").click();
    await untilStep(page, 3);
    await page.waitForFunction(() => document.getElementById("studio-play").textContent === "Train");
    const download = (name) => async () => {
      const d = page.waitForEvent("download");
      await page.getByRole("button", { name }).click();
      return new Uint8Array(Buffer.concat(await (await (await d).createReadStream()).toArray()));
    };
    const run = tensors(await download("Download checkpoint")());
    const generator = tensors(await download("Download generator")());
    assert.ok(run["g_ema.main.0.weight"], "the checkpoint holds the average");
    assert.deepEqual(generator["main.0.weight"], run["g_ema.main.0.weight"], "the generator is the average");
    assert.ok(maxDifference(generator["main.0.weight"], run["g.main.0.weight"]) > 0, "… not G");
  }, { url: url() });
});

test("studio: Start from modern sets its levers and keeps the rest; the recipe link carries them; with spectral norm on and SN-GAN's D (no batch norm), the run trains and saves D's vectors", async () => {
  await visit(async (page) => {
    await tiny(page, { target: 3 });
    await page.getByLabel("Run seed").fill("7");
    const settings = () => page.evaluate(() => globalThis.ganPlayground.studio.controls.settings());
    const before = await settings();
    await page.getByLabel("Start from").selectOption("modern");
    const modern = await settings();
    assert.equal(modern.loss, "hinge");
    assert.ok(await page.locator("#studio-cost").isDisabled(), "the cross-entropy costs do not apply under hinge");
    assert.ok(modern.lrD > modern.lrG, "D learns faster than G (TTUR)");
    assert.ok(modern.ema > 0, "G's average is kept");
    for (const key of ["batchSize", "seed", "preset", "dSteps", "gSteps", "prior"]) assert.equal(modern[key], before[key], `${key} stays`);
    assert.equal(await page.getByLabel("Start from").inputValue(), "", "the choice is an action, not a setting");
    await page.getByLabel("Spectral norm on D's layers").check();
    await page.getByLabel("D's norm").selectOption("none"); // SN-GAN's D
    const after = await settings();
    assert.equal(after.spectralNorm, true);
    assert.equal(after.dNorm, "none");
    const href = await page.locator("#studio-recipe").getAttribute("href");
    assert.match(href, /spectralNorm=true/);
    assert.match(href, /dNorm=none/);
    assert.match(href, /loss=hinge/);

    // Back to DCGAN's levers, then the link brings the same set-up back.
    await page.getByLabel("Start from").selectOption("dcgan");
    const dcgan = await settings();
    assert.deepEqual([dcgan.loss, dcgan.spectralNorm, dcgan.ema, dcgan.lrD === dcgan.lrG], ["cross_entropy", false, 0, true]);
    assert.equal(dcgan.dNorm, "none", "D's norm is the architecture's, which a recipe keeps");
    await page.evaluate((h) => { location.hash = h; }, href);
    await page.getByText("The studio holds this recipe's set-up").waitFor();
    assert.deepEqual(await settings(), after);

    await page.getByRole("button", { name: "Reset" }).last().click();
    await page.locator("#studio-play").click();
    await untilStep(page, 3);
    await page.waitForFunction(() => document.getElementById("studio-play").textContent === "Train");
    const d = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download checkpoint" }).click();
    const run = tensors(new Uint8Array(Buffer.concat(await (await (await d).createReadStream()).toArray())));
    for (const name of ["d_sn.main.0.weight_u", "d_sn.main.0.weight_v"]) {
      assert.ok(run[name], `the checkpoint holds ${name}`);
      const norm = Math.hypot(...run[name]);
      assert.ok(Math.abs(norm - 1) < 1e-4, `${name} is a unit vector (${norm})`);
    }
    assert.ok(run["d.main.2.weight"] && !run["d.main.3.weight"] && !run["d.main.3.running_mean"], "D has no batch norm");
  }, { url: url() });
});

// Trains on WebGPU, takes the devices away (as a driver reset would) right after `meanwhile`,
// and checks that the run goes on on the CPU from its last snapshot.
async function loseTheDevice({ meanwhile = async () => {} } = {}) {
  await visit(async (page) => {
    await tiny(page, { target: 1000 });
    await page.locator("#studio-play").click();
    await untilStep(page, 2);
    await page.locator("#studio-play").click(); // pause: a snapshot at this step
    await page.waitForFunction(() => document.getElementById("studio-panel").dataset.saved === document.getElementById("studio-panel").dataset.iteration);
    const saved = await panel(page, "saved");
    await page.locator("#studio-play").click();
    await untilStep(page, saved + 1);
    await meanwhile(page);
    let destroyed = 0;
    for (const worker of page.workers()) destroyed += await worker.evaluate(() => (self.gpuDevices ?? []).map((d) => d.destroy()).length).catch(() => 0);
    assert.ok(destroyed > 0, "a worker held a WebGPU device");
    await page.waitForFunction(() => document.body.dataset.deviceLost === "true", null, { timeout: 120_000 });
    assert.match(await page.locator("#banner").textContent(), /WebGPU lost its device .*CPU backend.*snapshot at step \d+/);
    assert.equal(await page.locator("#backend-choice").inputValue(), "cpu");
    // Training goes on, on the CPU, from the snapshot.
    const from = await panel(page, "iteration");
    await untilStep(page, from + 2);
    assert.equal(await page.evaluate(() => document.body.dataset.backend), "cpu");
    await page.locator("#studio-play").click();
  }, { url: `${server.origin}/?backend=webgpu#studio` });
}

test("studio: when WebGPU loses its device, the run goes on on the CPU from its last snapshot", () => loseTheDevice());

// The move to the CPU waits in the page's queue behind the model being loaded, while the
// studio's step fails on the lost device: the run must still go on.
test("studio: when WebGPU loses its device while a model loads, the run still goes on on the CPU", () =>
  loseTheDevice({ meanwhile: (page) => page.locator("#model").selectOption("emoji") }));
