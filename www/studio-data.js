// The studio's training images: the shipped subsets (fetched once, with a progress bar) and a
// person's own images (chosen files, a chosen folder, or dropped on the page), gathered in the
// studio worker (www/core-worker.js decodes, the core checks and fits) and kept in this browser
// with the run that trains on them. Own images never leave the browser.

import * as store from "./store.js";

const SHIPPED = {
  mnist: { label: "MNIST", url: "data/mnist/train-10k-images-idx3-ubyte.gz", classifier: "weights/classifier-mnist.bpk",
    classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] },
  fashion: { label: "Fashion-MNIST", url: "data/fashion/train-5k-images-idx3-ubyte.gz", classifier: "weights/classifier-fashion.bpk",
    classes: ["T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"] },
  emoji: { label: "emoji", url: "data/emoji/all-32px-images-idx3-ubyte.gz", classifier: null },
};
const SHOWN_REJECTIONS = 200; // the list shows this many; the count is always whole
const $ = (id) => document.getElementById(id);

export const isOwn = (name) => name.startsWith("own-");

// The files of a drop, folders walked (the entries must be taken during the drop event).
async function dropped(dataTransfer) {
  const entries = [...dataTransfer.items].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...dataTransfer.files].map((file) => ({ file, name: file.name }));
  const out = [];
  const walk = async (entry, path) => {
    if (entry.isFile) {
      out.push({ file: await new Promise((ok, fail) => entry.file(ok, fail)), name: path + entry.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const e of batch) await walk(e, `${path}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, "");
  return out;
}

export class StudioData {
  constructor(core, { fetchBytes, onError, onGathered, sizeWanted }) {
    Object.assign(this, { core, fetchBytes, onError, onGathered, sizeWanted });
    this.bytesOf = new Map(); // shipped name → idx.gz bytes
    this.classifiers = new Map();
    this.own = null; // { name, idx, count, channels, size, fit, files: [{ file, name }] | null }
    this.limits = core.pure.ownImageLimits();
    const l = this.limits;
    $("studio-own-bounds").textContent = `${l.formats} (a GIF's first frame), at least ${l.minSide} px on the shorter side; `
      + `up to ${l.files.toLocaleString("en")} images, ${l.fileBytes >> 20} MB each and ${l.totalBytes >> 20} MB in all. `
      + "They are decoded and resized in this tab and never leave this browser.";
    const choose = (input) => {
      const files = [...input.files].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
      input.value = "";
      this.#guard(() => this.gather(files));
    };
    $("studio-own-files").addEventListener("change", (e) => choose(e.target));
    $("studio-own-folder").addEventListener("change", (e) => choose(e.target));
    const zone = $("studio-drop");
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      const files = dropped(e.dataTransfer);
      this.#guard(async () => this.gather(await files));
    });
    core.addEventListener("progress", (e) => {
      if (e.detail.role !== "studio" || e.detail.fraction === undefined) return;
      $("studio-own-progress").value = e.detail.fraction;
      $("studio-own-status").textContent = `${e.detail.text}…`;
    });
  }

  /** The dataset the controls name. */
  get name() {
    return $("studio-dataset").value;
  }

  label(name) {
    return SHIPPED[name]?.label ?? (isOwn(name) ? "your images" : name);
  }

  /** Its idx (or idx.gz) bytes: fetched once, or one's own set, from memory or this browser. */
  async bytes(name) {
    if (SHIPPED[name]) {
      if (!this.bytesOf.has(name)) this.bytesOf.set(name, await this.fetchBytes(SHIPPED[name].url, `Loading the ${SHIPPED[name].label} training images`));
      return this.bytesOf.get(name);
    }
    if (this.own?.name === name) return this.own.idx;
    const saved = await store.loadDataset(name).catch(() => null);
    if (!saved) throw new Error("the images this run trained on are no longer in this browser; choose them again (or another dataset) and Reset");
    this.#adopt({ ...saved, files: null });
    return saved.idx;
  }

  /** The quality classifier's bytes for a dataset that has one (MNIST, Fashion-MNIST), else null. */
  classifier(name) {
    const url = SHIPPED[name]?.classifier;
    if (!url) return null;
    return async () => {
      if (!this.classifiers.has(name)) this.classifiers.set(name, await this.fetchBytes(url, `Loading the ${SHIPPED[name].label} quality classifier`));
      return this.classifiers.get(name);
    };
  }

  /** The names of a shipped dataset's classes (what its classifier tells apart), else null. */
  classes(name) {
    return SHIPPED[name]?.classes ?? null;
  }

  /**
   * The dataset to train at `size` pixels: a shipped one as it is (the core fits it), one's own
   * gathered again from its files when it was gathered at another size.
   */
  async forSize(name, size) {
    if (!isOwn(name)) return name;
    await this.bytes(name);
    if (this.own.size === size) return name;
    if (!this.own.files) {
      throw new Error(`your images were prepared at ${this.own.size} px and this architecture is ${size} px; choose the images again to prepare them at ${size} px`);
    }
    await this.gather(this.own.files, size);
    return this.own.name;
  }

  /** Keeps one's own set in this browser with the run that trains on it (and no other set). */
  async keep(name) {
    if (!isOwn(name) || this.own?.name !== name) return store.keepOnlyDataset(null);
    const { files, ...set } = this.own;
    await store.saveDataset(set);
    await store.keepOnlyDataset(name);
  }

  // ---- one's own images ----
  async gather(files, size = this.sizeWanted()) {
    const fit = $("studio-own-fit").value;
    $("studio-own-progress").hidden = false;
    $("studio-own-progress").value = 0;
    $("studio-own-status").textContent = `Reading ${files.length} files…`;
    let got;
    try {
      got = await this.core.studio.gather(files.map((f) => f.file), files.map((f) => f.name), size, fit);
    } finally {
      $("studio-own-progress").hidden = true;
    }
    this.#showRejected(got.rejected);
    if (!got.name) {
      $("studio-own-status").textContent = `Nothing changed: ${got.problem}.`;
      throw new Error(`Your images: ${got.problem}; nothing changed`);
    }
    this.#adopt({ name: got.name, idx: got.idx, count: got.count, channels: got.channels, size: got.size, fit, files });
    $("studio-dataset").value = got.name;
    this.onGathered?.(this.own);
  }

  #adopt(set) {
    this.own = set;
    let option = [...$("studio-dataset").options].find((o) => isOwn(o.value));
    if (!option) $("studio-dataset").append(option = new Option("", set.name));
    option.value = set.name;
    option.textContent = `your images (${set.count}, ${set.channels === 1 ? "grey" : "colour"}, ${set.size} px)`;
    $("studio-own-status").textContent = `${set.count.toLocaleString("en")} images ready at ${set.size} px (${set.channels === 1 ? "grey" : "colour"}, ${set.fit === "pad" ? "padded" : "cropped"} to square).`;
  }

  #showRejected(rejected) {
    const list = $("studio-own-rejected");
    list.hidden = rejected.length === 0;
    list.querySelector("summary").textContent = `${rejected.length} ${rejected.length === 1 ? "file was" : "files were"} not used`;
    const ul = list.querySelector("ul");
    ul.replaceChildren(...rejected.slice(0, SHOWN_REJECTIONS).map((r) => {
      const li = document.createElement("li");
      li.textContent = `${r.name}: ${r.reason}`;
      return li;
    }));
    if (rejected.length > SHOWN_REJECTIONS) ul.append(Object.assign(document.createElement("li"), { textContent: `… and ${rejected.length - SHOWN_REJECTIONS} more` }));
  }

  async #guard(task) {
    try {
      await task();
    } catch (e) {
      this.onError(e);
    }
  }
}
