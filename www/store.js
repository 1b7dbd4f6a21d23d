// @ts-check
// What the page keeps in this browser (IndexedDB, database "gan-playground"): the studio's
// autosaved run (one record, "studio"), the generators trained here and opened in the explorer
// ("models", by id `local:NAME`), and the sets of one's own images a saved run trains on
// ("datasets", by name `own-…`). Nothing here leaves the browser.

const DB = "gan-playground";
const RUNS = "runs";
const MODELS = "models";
const DATASETS = "datasets";
const STUDIO = "studio";

/** @type {Promise<IDBDatabase> | null} */
let opened = null;

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 2);
    request.onupgradeneeded = (e) => {
      if (e.oldVersion < 1) {
        request.result.createObjectStore(RUNS);
        request.result.createObjectStore(MODELS, { keyPath: "id" });
      }
      if (e.oldVersion < 2) request.result.createObjectStore(DATASETS, { keyPath: "name" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`this browser's storage could not be opened (${request.error?.message})`));
  });
  opened.catch(() => { opened = null; });
  return opened;
}

/** @param {string} store @param {IDBTransactionMode} mode @param {(s: IDBObjectStore) => IDBRequest} act */
async function request(store, mode, act) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const r = act(tx.objectStore(store));
    // Resolved once the transaction is durable, not merely queued.
    tx.oncomplete = () => resolve(r.result);
    tx.onerror = tx.onabort = () => reject(new Error(`saving in this browser failed (${tx.error?.message ?? "aborted"})`));
  });
}

/**
 * The studio's saved run: `{ dataset, iteration, snapshot: Uint8Array, history, savedAt }`.
 * @returns {Promise<any>}
 */
export function loadRun() {
  return request(RUNS, "readonly", (s) => s.get(STUDIO));
}

export function saveRun(record) {
  return request(RUNS, "readwrite", (s) => s.put(record, STUDIO));
}

export function forgetRun() {
  return request(RUNS, "readwrite", (s) => s.delete(STUDIO));
}

/** Generators trained here: `[{ id: "local:NAME", name, prior, bytes: Uint8Array, savedAt }]`. */
export function localModels() {
  return request(MODELS, "readonly", (s) => s.getAll());
}

export function saveModel(model) {
  return request(MODELS, "readwrite", (s) => s.put(model));
}

/** A set of one's own images: `{ name, idx: Uint8Array, count, channels, size, fit }`. */
export function saveDataset(set) {
  return request(DATASETS, "readwrite", (s) => s.put(set));
}

/** @returns {Promise<any>} the set `name`, or undefined */
export function loadDataset(name) {
  return request(DATASETS, "readonly", (s) => s.get(name));
}

/** Forgets every set but `keep` (the one the saved run trains on). */
export async function keepOnlyDataset(keep) {
  const names = await request(DATASETS, "readonly", (s) => s.getAllKeys());
  for (const name of names) if (name !== keep) await request(DATASETS, "readwrite", (s) => s.delete(name));
}
