// The studio's set-up controls: their bounds and choices come from the core (studioLimits),
// their values become the run's settings only through the core's check (validateStudioOptions),
// and a recipe link (www/studio-recipe.js) holds them.

import { numberOrText } from "./fields.js";
import { AUGMENTS, readRecipe, recipeHash } from "./studio-recipe.js";

// Control → setting, and the limit its bounds come from (the setting's own when not named).
const NUMBERS = [["studio-lr-d", "lrD", "lr"], ["studio-lr-g", "lrG", "lr"], ["studio-beta1", "beta1"],
  ["studio-beta2", "beta2"], ["studio-batch", "batchSize"], ["studio-k", "dSteps"], ["studio-m", "gSteps"],
  ["studio-seed", "seed"], ["studio-ema", "ema"], ["studio-noise", "instanceNoise"], ["studio-noise-span", "noiseSpan"]];
const CHOICES = [["studio-preset", "preset"], ["studio-cost", "cost"], ["studio-prior", "prior"], ["studio-loss", "loss"],
  ["studio-d-norm", "dNorm"]];
const CHECKS = [["studio-spectral", "spectralNorm"]];
// How often the page draws a history frame and measures quality: its own cadence, not the run's.
const CADENCES = [["studio-target", "targetSteps"], ["studio-history-every", "historyEvery"], ["studio-measure-every", "measureEvery"]];
const SENSIBLE_LR = 0.01; // above it the settings warn (the DCGAN paper's rate is 2e-4)
const $ = (id) => document.getElementById(id);

export class StudioSettings {
  constructor(pure, { dataset }) {
    this.pure = pure;
    this.dataset = dataset; // () => the dataset's name
    this.limits = pure.studioLimits();
    this.defaults = pure.studioDefaults();
    for (const p of this.limits.presets) {
      $("studio-preset").append(new Option(`${p.id} (${p.imageSize} px, width ${p.width})`, p.id));
    }
    for (const [id, key, range] of [...NUMBERS, ...CADENCES]) {
      const { min, max } = this.limits[range ?? key];
      Object.assign($(id), { min, max });
    }
    this.fill(this.defaults);
    const changed = () => { this.#warn(); this.#link(); };
    for (const id of ["studio-settings", "studio-target"]) $(id).addEventListener("input", changed);
    $("studio-dataset").addEventListener("change", changed);
    $("studio-levers").addEventListener("change", () => this.#levers());
  }

  // "Start from": the chosen recipe's levers over the other settings, by the core
  // (studioRecipe); settings the core refuses are named and nothing changes.
  #levers() {
    const select = $("studio-levers");
    const name = select.value;
    select.value = "";
    if (!name) return;
    try {
      this.fill(this.pure.studioRecipe(name, this.settings()));
    } catch (e) {
      $("studio-warning").textContent = `The ${name} recipe was not applied: ${e.message}`;
    }
  }

  fill(config) {
    // β1 and β2 are f32 in the core: 0.999 comes back as 0.99900001…; seven digits are theirs.
    const text = (v) => String(Number.isInteger(v) ? v : Number(v.toPrecision(7)));
    for (const [id, key] of NUMBERS) $(id).value = text(config[key]);
    for (const [id, key] of CHOICES) $(id).value = config[key];
    for (const [id, key] of CHECKS) $(id).checked = Boolean(config[key]);
    for (const key of AUGMENTS) $(`studio-aug-${key}`).checked = Boolean(config.augment?.[key]);
    this.#warn();
    this.#link();
  }

  /** The image size of the chosen architecture. */
  imageSize() {
    return this.limits.presets.find((p) => p.id === $("studio-preset").value)?.imageSize ?? 28;
  }

  // The controls' values; the core names the first one out of range, and nothing has changed
  // when it throws.
  settings() {
    const o = {};
    for (const [id, key] of NUMBERS) o[key] = numberOrText($(id).value);
    for (const [id, key] of CHOICES) o[key] = $(id).value;
    for (const [id, key] of CHECKS) o[key] = $(id).checked;
    o.augment = Object.fromEntries(AUGMENTS.map((key) => [key, $(`studio-aug-${key}`).checked]));
    this.pure.validateStudioOptions(o);
    return o;
  }

  /** A whole number from a cadence control, read by the core within its limits. */
  cadence(id) {
    const [, key] = CADENCES.find(([i]) => i === id);
    return this.pure.readStudioCadence(key, numberOrText($(id).value));
  }

  #warn() {
    // Under the hinge loss G's cost is the hinge's own: the cross-entropy costs do not apply.
    $("studio-cost").disabled = $("studio-loss").value === "hinge";
    const high = [$("studio-lr-d"), $("studio-lr-g")].some((i) => Number(i.value) > SENSIBLE_LR);
    $("studio-warning").textContent = high
      ? `A learning rate above ${SENSIBLE_LR} is far past DCGAN's 2e-4: expect the run to diverge (it then pauses and rolls back).`
      : "";
  }

  // The recipe link follows the controls whenever they hold valid settings.
  #link() {
    const link = $("studio-recipe");
    try {
      link.href = recipeHash(this.settings(), { dataset: this.dataset(), target: this.cadence("studio-target") });
      link.removeAttribute("aria-disabled");
    } catch {
      link.removeAttribute("href");
      link.setAttribute("aria-disabled", "true");
    }
  }

  /**
   * Fills the controls from a recipe link in `hash`; null when there is none. Resolves what to
   * tell the person: what was filled in, or why (part of) it was refused. A recipe the core
   * refuses changes nothing.
   */
  applyRecipe(hash) {
    const recipe = readRecipe(hash, this.defaults);
    if (!recipe) return null;
    const refused = (why) => ({ ok: false, text: `This recipe link could not be used: ${why}. The studio is unchanged.` });
    if (recipe.problems.length) return refused(recipe.problems.join("; "));
    try {
      this.pure.validateStudioOptions(recipe.options);
      if (recipe.target !== null) this.pure.readStudioCadence("targetSteps", recipe.target);
    } catch (e) {
      return refused(e.message);
    }
    const shipped = [...$("studio-dataset").options].map((o) => o.value).filter((v) => !v.startsWith("own-"));
    if (recipe.dataset !== null && recipe.dataset !== "own" && !shipped.includes(recipe.dataset)) {
      return refused(`an unknown dataset “${recipe.dataset}”`);
    }
    this.fill(recipe.options);
    if (recipe.target !== null) $("studio-target").value = String(recipe.target);
    let text = "The studio holds this recipe's set-up: press Reset, then Train, to repeat the run.";
    if (recipe.dataset === "own") {
      text = "The studio holds this recipe's set-up. It was trained on the sender's own images, which never leave their browser: choose your own images, then Reset and Train.";
    } else if (recipe.dataset) {
      $("studio-dataset").value = recipe.dataset;
    }
    this.#link();
    return { ok: true, text };
  }
}
