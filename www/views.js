// The app's views (Explore, Lab, Studio): one shown at a time and named in the hash (#lab,
// #studio, or #lab&model=…&z=…). The explorer is the default, so every older link
// (#model=…&z=…, #recipe=…, which opens the studio) still opens where it did.

export const VIEWS = ["explore", "lab", "studio"];

const parts = (hash) => hash.replace(/^#/, "").split("&").filter(Boolean);

/** The view a hash names (a recipe is the studio's), or null when it names none. */
export function viewOf(hash) {
  const keys = parts(hash).map((p) => p.split("=")[0]);
  return VIEWS.find((v) => keys.includes(v)) ?? (keys.includes("recipe") ? "studio" : null);
}

/** `hash` with `view` named in it (the explorer needs no name when the hash holds anything
 * else), the rest kept as written. */
export function withView(hash, view) {
  const rest = parts(hash).filter((p) => !VIEWS.includes(p));
  if (view === "explore") return rest.length ? `#${rest.join("&")}` : "#explore";
  return `#${[view, ...rest].join("&")}`;
}

/** Whether two hashes differ only in the view they name. */
export function sameState(a, b) {
  return withView(a, "explore") === withView(b, "explore");
}

/** Shows `view` and marks its link as the current page. */
export function showView(view) {
  for (const el of document.querySelectorAll(".view")) el.hidden = el.dataset.view !== view;
  for (const a of document.querySelectorAll("nav a[data-view]")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.body.dataset.view = view;
}

/** The view shown now. */
export const currentView = () => document.body.dataset.view ?? "explore";
