// A studio "recipe": the set-up and seed of a run as a link (#recipe=1&dataset=mnist&
// preset=tiny-28&lrD=0.0002&…), never the weights. Opened anywhere, it fills the studio, so
// the same run can be repeated (randomness is a function of the seed and the step). The core
// validates what a link holds (validateStudioOptions), as it does what the controls hold.

import { numberOrText } from "./fields.js";

const VERSION = "1";
/** DiffAugment's transforms, as the core names them (Augment in src/train/augment.rs). */
export const AUGMENTS = ["translation", "cutout", "colour"];
// Outside the run's settings: which data, and how far.
const EXTRAS = ["dataset", "target"];

/** The link's hash for `options` (the studio's settings) on `dataset`, to `target` steps. */
export function recipeHash(options, { dataset, target }) {
  const params = new URLSearchParams({ recipe: VERSION });
  params.set("dataset", dataset.startsWith("own-") ? "own" : dataset);
  for (const [key, value] of Object.entries(options)) {
    params.set(key, key === "augment" ? AUGMENTS.filter((a) => value[a]).join(",") || "none" : String(value));
  }
  params.set("target", String(target));
  return `#${params}`;
}

/**
 * The recipe in `hash`, or null when it holds none: `{ options, dataset, target, problems }`.
 * Values fill `defaults` (a recipe may leave settings out); a name the studio does not know
 * is a problem, and nothing of that name is taken. The core's check names a bad value.
 */
export function readRecipe(hash, defaults) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (!params.has("recipe")) return null;
  const problems = [];
  if (params.get("recipe") !== VERSION) problems.push(`recipe version “${params.get("recipe")}” (this page reads version ${VERSION})`);
  const options = structuredClone(defaults);
  let dataset = null;
  let target = null;
  for (const [key, text] of params) {
    if (key === "recipe") continue;
    if (key === "dataset") {
      dataset = text;
    } else if (key === "target") {
      target = numberOrText(text); // the core's check names what is wrong
    } else if (key === "augment") {
      const parts = text.split(",").map((p) => p.trim()).filter((p) => p && p !== "none");
      const unknown = parts.filter((p) => !AUGMENTS.includes(p));
      if (unknown.length) problems.push(`augmentation “${unknown.join(", ")}” (expected ${AUGMENTS.join(", ")} or none)`);
      else options.augment = Object.fromEntries(AUGMENTS.map((a) => [a, parts.includes(a)]));
    } else if (!(key in defaults) || EXTRAS.includes(key)) {
      problems.push(`an unknown setting “${key}”`);
    } else if (typeof defaults[key] === "boolean") {
      // "true" / "false"; anything else goes on as text, for the core to refuse by name.
      options[key] = text === "true" ? true : text === "false" ? false : text;
    } else if (typeof defaults[key] === "number") {
      options[key] = numberOrText(text); // the core refuses what is not a number, by name
    } else {
      options[key] = text;
    }
  }
  return { options, dataset, target, problems };
}
