// Boots the page: starts the core (www/core.js: a main-thread instance for the pure functions, Web
// Workers for the models), picks a backend, loads the model named in the URL hash and wires the
// panels together. The URL holds the model and z (#model=…&z=…), so a copied link reproduces
// the image; ?backend=auto|webgpu|cpu forces where the model runs.

import { BACKENDS, Core, forcedWorkers } from "./core.js";
import { Renderer } from "./render.js";
import { LatentPanel } from "./latent.js";
import { GridPanel } from "./grid.js";
import { DirectionsPanel } from "./directions.js";
import { NearestPanel } from "./nearest.js";
import { ProjectPanel } from "./project.js";
import { ArithmeticPanel } from "./arithmetic.js";
import { InterpolationPanel } from "./interpolate.js";
import { savePng, scaled } from "./export.js";
import { LossLab } from "./losslab.js";
import { PlanePanel } from "./plane.js";
import { Studio } from "./studio.js";
import { localModels, saveModel } from "./store.js";
import { wireUpload } from "./upload.js";
import { currentView, sameState, showView, viewOf, withView } from "./views.js";

const $ = (id) => document.getElementById(id);

function progress(text) {
  $("progress-label").textContent = text;
  $("progress-line").hidden = text === null;
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

// Adds a problem to the one shown (a link can have two), instead of replacing it.
function addError(text) {
  showError([$("error").hidden ? "" : $("error").textContent, text].filter(Boolean).join(" "));
}

function showBanner(text) {
  $("banner").textContent = text ?? "";
  $("banner").hidden = !text;
}

async function fetchBytes(url, label) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${label}: ${url} answered ${response.status}`);
  const total = Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    progress(`${label}: ${(got / 1024).toFixed(0)} of ${total ? (total / 1024).toFixed(0) : "?"} KB`);
    if (total) $("progress").value = got / total;
  }
  $("progress").removeAttribute("value");
  const bytes = new Uint8Array(got);
  chunks.reduce((at, c) => (bytes.set(c, at), at + c.length), 0);
  return bytes;
}

// #model=mnist&z=z1… → { model, code, problem }; a malformed hash gives a problem to show.
// `local:NAME` is a generator trained in the studio, kept only in the browser that trained it.
function readHash(models, hash = location.hash) {
  const params = new URLSearchParams(hash.slice(1));
  const model = params.get("model");
  const unknown = model !== null && !models.some((m) => m.id === model);
  const problem = !unknown ? null : model.startsWith("local:")
    ? `The link names “${model.slice(6)}”, a model trained in the studio or opened from a file in another browser (or one whose storage was cleared): such a model lives only in the browser that has it.`
    : `The link names an unknown model “${model}”.`;
  return { model: problem ? null : model, code: params.get("z"), dir: params.get("dir"), problem };
}

// A studio recipe link (#recipe=…) fills the studio's set-up; true when `hash` is one.
function showRecipe(hash) {
  const result = studio.applyRecipe(hash);
  if (!result) return false;
  showView("studio");
  // The link has done its work: the hash goes back to the page's own, so a later Back, view
  // change or reload does not apply the recipe again over what the person has since changed.
  if (state.model) history.replaceState(null, "", withView(explorerHash(), "studio"));
  if (result.ok) showBanner(result.text);
  else addError(result.text);
  return true;
}

// A link to the lab in data space (#lab&plane=…) sets it up and builds its runs; true when
// `hash` is one. Like a recipe, it has done its work once applied.
function showPlane(hash) {
  if (!plane.applyLink(hash)) return false;
  showView("lab");
  if (state.model) history.replaceState(null, "", withView(explorerHash(), "lab"));
  return true;
}

function backendWanted() {
  const want = new URLSearchParams(location.search).get("backend") ?? "auto";
  if (BACKENDS.includes(want)) return { want };
  return { want: "auto", problem: `Unknown backend “${want}” in the URL (expected auto, webgpu or cpu); measuring instead.` };
}

// The worker counts a URL may force (core.js reads them): anything but 1 or 2 is said, and the
// page then chooses as it would without it.
function workerCountProblems() {
  const params = new URLSearchParams(location.search);
  return ["labWorkers", "generationWorkers", "planeWorkers"].filter((p) => params.has(p) && forcedWorkers(p) === null)
    .map((p) => `${p} in the URL must be 1 or 2; got “${params.get(p)}”: the page chooses instead.`);
}

// What the page cannot go on without failed: it says why and stops there (a promise that never
// settles, so nothing below runs and no error escapes as a page error).
function stop(message) {
  progress(null);
  showError(message);
  return new Promise(() => {});
}

// The list of models, validated whole by the core (src/manifest.rs).
async function readManifest() {
  const response = await fetch("weights/models.json");
  if (!response.ok) throw new Error(`weights/models.json answered ${response.status} ${response.statusText}`.trim());
  return pure.readManifest(await response.text());
}

const startHash = location.hash; // the page writes its own hash once it draws
showView(viewOf(startHash) ?? "explore");
// The views' links move between views without loading anything; Back and Forward return.
for (const a of document.querySelectorAll("a[data-view]")) {
  a.addEventListener("click", (e) => {
    e.preventDefault();
    const view = a.dataset.view;
    // The entry is marked as a view's: going back to it changes the view, never the explorer.
    if (view !== currentView()) history.pushState({ view }, "", withView(location.hash, view));
    showView(view);
    document.querySelector(`#view-${view} h2`)?.focus({ preventScroll: true });
  });
}
addEventListener("popstate", () => showView(viewOf(location.hash) ?? "explore"));
progress("Loading the Rust core…");
const core = await Core.start().catch((e) => stop(`The model cannot run here: ${e.message}.`));
const { pure } = core;
// A page told to use WebGPU compiles that module while the models and weights load.
if (backendWanted().want === "webgpu") core.module("webgpu").catch(() => {}); // selectBackend reports a failure
const manifest = await readManifest()
  .catch((e) => stop(`The list of models could not be used: ${e.message}. Reload to try again.`));
const state = { weights: new Map(), encoders: new Map(), model: null, info: null, want: null, hashTimer: 0 };
let pendingLink = null; // the newest link pasted into this tab, until its load starts
let linkLoading = false; // a pasted link's load is under way: what is shown is not yet the link
// A pasted link waiting or loading: the page's own link must not be written over it.
const linkUnsettled = () => pendingLink !== null || linkLoading;
// (Progress with a fraction is a panel's own: the studio shows reading one's images itself.)
core.addEventListener("progress", (e) => { if (e.detail.fraction === undefined) progress(e.detail.text); });

const renderer = new Renderer($("sample"), core, {
  onFrame: ({ ms, fps }) => {
    $("speed").textContent = `${ms.toFixed(1)} ms from change to pixels · ${fps} frames/s`;
    clearTimeout(state.hashTimer);
    state.hashTimer = setTimeout(writeHash, 200);
  },
  onError: (e) => showError(`Generation failed: ${e.message}`),
});
const latent = new LatentPanel(pure, {
  onChange: (z) => {
    renderer.request(z);
    directions.changed(z);
  },
  onMessage: showError,
});
const directions = new DirectionsPanel(core, {
  getZ: () => latent.z, setZ: (z) => latent.set(z),
  onError: (e) => addError(`Directions: ${e.message}`),
  onChange: () => {
    clearTimeout(state.hashTimer);
    state.hashTimer = setTimeout(writeHash, 200);
  },
});
const arithmetic = new ArithmeticPanel(core, {
  getZ: () => latent.z, setZ: (z) => latent.set(z),
  onError: (e) => showError(`Arithmetic: ${e.message}`),
});
const project = new ProjectPanel(core, {
  setZ: (z) => latent.set(z),
  onError: (e) => showError(`Projection: ${e.message}`),
});
const grid = new GridPanel(core, {
  onPick: (z) => latent.set(z),
  onError: (e) => showError(`The grid failed: ${e.message}`),
});
const interpolation = new InterpolationPanel(pure, {
  getZ: () => latent.z, setZ: (z) => latent.set(z), sampleCanvas: $("sample"),
  onError: (e) => showError(e.message),
});

// A panel's download: the progress line shows it, and is cleared however it ends.
async function fetchAndClear(url, label) {
  try {
    return await fetchBytes(url, label);
  } finally {
    progress(null);
  }
}

const lab = new LossLab(core, {
  fetchBytes: fetchAndClear,
  onError: (e) => showError(`Loss lab: ${e.message}`),
  onMessage: (text) => showBanner(text),
});

const plane = new PlanePanel(core, {
  onError: (e) => showError(`Lab in data space: ${e.message}`),
  onMessage: (text) => showBanner(text),
});

const studio = new Studio(core, {
  fetchBytes: fetchAndClear,
  onError: (e) => showError(`Studio: ${e.message}`),
  onMessage: (text) => showBanner(text),
  // A generator trained here becomes one more model of the explorer.
  onExplore: (model) => guarded(async () => {
    showError("");
    addModel(model);
    history.pushState({ view: "explore" }, "", withView(location.hash, "explore"));
    showView("explore");
    await activate(model, state.want);
  }),
});
const nearest = new NearestPanel(core, {
  data: studio.data, getZ: () => latent.z,
  onError: (e) => showError(`Nearest images: ${e.message}`),
});

// A worker that died is started again by the core; the generation worker comes back with its
// backend and model, and the page draws the same z again.
core.addEventListener("lost", (e) => {
  document.body.dataset.lost = String(Number(document.body.dataset.lost ?? 0) + 1);
  showBanner(`The ${e.detail.role} worker stopped (${e.detail.why}); restarting it…`);
});
core.addEventListener("recovered", (e) => {
  document.body.dataset.recovered = String(Number(document.body.dataset.recovered ?? 0) + 1);
  if (e.detail.role !== "generation") return;
  showBanner(`The generation worker stopped and was restarted; ${state.model.name} is back at the same z.`);
  renderer.request(latent.z);
  grid.refresh();
});

// WebGPU took its device away (a driver reset, the GPU process gone): everything moves to the
// CPU backend; the studio's run goes on there from its last snapshot (the lost device cannot
// be read), and the lab starts again.
let deviceLost = false;
core.addEventListener("device-lost", (e) => {
  if (deviceLost || core.backend !== "webgpu") return;
  deviceLost = true;
  const why = [e.detail.reason, e.detail.message].filter(Boolean).join(": ") || "no reason given";
  // Stopped now, not when the queue reaches the task: a step failing on the lost device could
  // pause the studio's run first, and it would then not go on on the CPU.
  lab.detach();
  const studioWasRunning = studio.detach({ deviceLost: true });
  guarded(async () => {
    await activate(state.model, "cpu", pure.encodeLatent(latent.z));
    $("backend-choice").value = "cpu";
    showBanner(`WebGPU lost its device (${why}); the page goes on on the CPU backend`
      + (studio.saved ? `, and the studio's run from its snapshot at step ${studio.saved.iteration}.` : "."));
    document.body.dataset.deviceLost = "true";
    if (await studioWasRunning) studio.start();
  }).finally(() => { deviceLost = false; });
});

// What the explorer shows, as its link (which names no view: it opens the explorer).
function explorerHash() {
  const dir = directions.link();
  return `#model=${state.model.id}&z=${pure.encodeLatent(latent.z)}${dir ? `&dir=${dir}` : ""}`;
}

function writeHash() {
  if (linkUnsettled()) return;
  history.replaceState(history.state, "", withView(explorerHash(), currentView()));
  $("share").href = explorerHash();
}

async function weightsOf(model) {
  if (model.bytes) return model.bytes; // trained in the studio, kept in this browser
  if (!state.weights.has(model.id)) {
    state.weights.set(model.id, await fetchBytes(`weights/${model.weights}`, `Loading ${model.name} weights`));
  }
  return state.weights.get(model.id);
}

// The projection's encoder file of a shipped `model` (fetched once), or null without one.
function encoderOf(model) {
  if (!model.encoder || model.bytes) return null;
  return () => {
    if (!state.encoders.has(model.id)) {
      const loading = fetchAndClear(`weights/${model.encoder}`, `Loading ${model.name} encoder`);
      loading.catch(() => state.encoders.delete(model.id)); // a failed fetch is tried again
      state.encoders.set(model.id, loading);
    }
    return state.encoders.get(model.id);
  };
}

// The training set of `model` (a shipped one's own, or the studio run's that trained it): its
// dataset name, or null for a model whose images are not known.
function trainingSet(model) {
  return model.dataset ?? (model.bytes ? null : model.id);
}

// What labels `model`'s samples: its set's classifier and class names, or null without one.
function labelsOf(model) {
  const set = trainingSet(model);
  const classifier = set && studio.data.classifier(set);
  const names = set && studio.data.classes(set);
  return classifier && names ? { classifier, names } : null;
}

// Loads `model` on the wanted backend (choosing it if needed); `code` is a latent from a link,
// `dir` its directions (`sefa:0=1.5`).
async function activate(model, want, code, dir = null) {
  const bytes = await weightsOf(model);
  let info;
  if (!core.backend || state.want !== want) {
    const choice = await core.selectBackend(want, bytes, model.prior);
    state.want = want;
    $("backend").textContent = choice.label;
    showBanner(choice.banner);
    info = choice;
  } else {
    info = await core.loadGenerator(bytes);
  }
  state.model = model;
  state.info = info;
  $("model").value = model.id;
  document.body.dataset.backend = core.backend;
  renderer.setGenerator(info);
  latent.configure(model.prior, info.latent);
  let z;
  if (code) {
    try {
      z = pure.decodeLatent(code, info.latent);
    } catch (e) {
      addError(`This link's latent code could not be read (${e.message}). Showing the default sample instead.`);
    }
  }
  z ??= pure.sampleLatent(model.prior, 1, info.latent, latent.seed());
  latent.set(z);
  interpolation.configure(model.prior, info.latent, latent.seed());
  grid.configure(model.prior, info.latent, info);
  directions.configure(info, model.prior, labelsOf(model), dir).catch((e) => addError(`Directions: ${e.message}`));
  arithmetic.configure(info);
  project.configure(info, model.prior, encoderOf(model));
  nearest.configure(model, trainingSet(model), info);
  await grid.refresh();
  progress(null);
}

// The shipped models, then the ones trained here (a storage that cannot be read has none).
const models = [...manifest.models];
function addModel(m) {
  const at = models.findIndex((x) => x.id === m.id);
  if (at >= 0) models[at] = m;
  else {
    models.push(m);
    $("model").append(new Option(m.name, m.id));
  }
}
for (const m of manifest.models) $("model").append(new Option(m.name, m.id));
for (const m of await localModels().catch(() => [])) addModel(m);
const hash = readHash(models);
const backend = backendWanted();
$("backend-choice").value = backend.want;
showError([hash.problem, backend.problem, ...workerCountProblems(), core.upsampleProblem].filter(Boolean).join(" "));
const byId = (id) => models.find((m) => m.id === id);

// Loads run one after another (a model or backend change waits for the one before), so a
// slow, older load can never overwrite a newer choice. One that fails leaves the controls on
// what is still shown, and says so.
// body[data-ready] is false from the moment a load is queued until none is left.
let queue = Promise.resolve();
let queued = 0;
function guarded(task) {
  queued++;
  document.body.dataset.ready = "false";
  queue = queue.then(async () => {
    try {
      await task();
    } catch (e) {
      progress(null);
      if (state.model) {
        $("model").value = state.model.id;
        $("backend-choice").value = state.want;
        addError(`${e.message}. Still showing ${state.model.name}.`);
      } else {
        addError(e.message);
      }
    }
    if (--queued === 0 && state.model) document.body.dataset.ready = "true";
  });
  return queue;
}

// A generator file of one's own: shown once the worker has loaded it (a refused one changes
// nothing), then listed and kept in this browser.
wireUpload(pure, (model) => guarded(async () => {
  showError("");
  if (models.some((m) => m.id === model.id && !m.opened)) {
    throw new Error(`${model.name} has the name of a generator trained in the studio; rename the file to open it`);
  }
  await activate(model, state.want);
  addModel(model);
  $("model").value = model.id;
  writeHash();
  await saveModel(model).catch((e) => addError(`${model.name} is shown, but this browser could not keep it (${e.message}).`));
}), (text) => showError(text));

// Each change reads its choice when it is made: a load that ends later sets the control to
// what it loaded, and a queued change must not take that for the person's choice.
$("model").addEventListener("change", () => {
  const model = byId($("model").value);
  guarded(() => {
    showError("");
    return activate(model, state.want);
  });
});
$("backend-choice").addEventListener("change", () => {
  const want = $("backend-choice").value;
  guarded(() => switchBackend(want));
});
async function switchBackend(want) {
  showError("");
  lab.detach();
  const studioWasRunning = await studio.detach();
  await activate(state.model, want, pure.encodeLatent(latent.z), directions.link());
  if (studioWasRunning) studio.start();
  const url = new URL(location.href);
  url.searchParams.set("backend", want);
  history.replaceState(null, "", url);
}
$("export-image").addEventListener("click", () => savePng(scaled($("sample"), 8), `${state.model.id}.png`));
// A link pasted into this tab changes only the hash; the page's own updates use
// replaceState, which fires no hashchange.
// A storm of them queues one load, of the newest link when its turn comes; until then the
// page does not write its own hash over it (pendingLink, above).
addEventListener("hashchange", (e) => {
  const next = new URL(e.newURL).hash;
  showView(viewOf(next) ?? (viewOf(new URL(e.oldURL).hash) ? "explore" : currentView()));
  if (showRecipe(next) || showPlane(next)) return;
  // Back or Forward to a view's entry changes the view only (its z may be older than the
  // explorer's); so does a link that names only a view (#lab), or the state already shown.
  const names = next.replace(/^#/, "").split("&").some((p) => /^(model|z)=/.test(p));
  const shown = state.model !== null && !linkUnsettled() && sameState(next, explorerHash());
  if (history.state?.view && state.model) history.replaceState(history.state, "", withView(explorerHash(), currentView()));
  if (history.state?.view || !names || shown) return;
  const queued = pendingLink !== null;
  pendingLink = next;
  if (queued) return;
  guarded(async () => {
    const link = readHash(models, pendingLink);
    pendingLink = null;
    linkLoading = true;
    try {
      showError(link.problem ?? "");
      await activate(link.model ? byId(link.model) : state.model, state.want, link.code, link.dir);
    } finally {
      // Loaded or refused, the link now says what is shown, before the page reads as ready.
      linkLoading = false;
      if (state.model) writeHash(); // not while a newer link waits (writeHash checks)
    }
  });
});
const first = byId(hash.model ?? manifest.default);
if (backend.want === "auto" && await core.webGpuOffered()) {
  // Auto draws first on the CPU module, the small one, and only then fetches the WebGPU module,
  // measures, and moves there if it is faster. The page is ready once that is settled; sliders
  // work from the first image on. Without an adapter, auto is the CPU at once (below).
  guarded(async () => {
    await activate(first, "cpu", hash.code, hash.dir);
    showBanner("Drawn on the CPU backend while WebGPU is looked for…");
  });
  await guarded(async () => {
    if (state.model) await activate(state.model, "auto", pure.encodeLatent(latent.z), directions.link());
  });
} else {
  await guarded(() => activate(first, backend.want, hash.code, hash.dir));
}
studio.offerSaved().catch((e) => showError(`Studio: ${e.message}`));
showRecipe(startHash);
showPlane(startHash);

// For tests and benchmarks: the facade (heaps, workers), the lab (its history), the lab in data
// space, the grid, the studio, the explorer's z and its directions.
globalThis.ganPlayground = { core, lab, plane, grid, studio, latent, directions, project, nearest };
