// @ts-check
// What the page keeps in this browser (IndexedDB, database "gan-playground"): the studio's
// autosaved run (one record, "studio") and the generators trained here and opened in the
// explorer ("models", by id `local:NAME`). Nothing here leaves the browser.

const DB = "gan-playground";
const RUNS = "runs";
const MODELS = "models";
const STUDIO = "studio";

/** @type {Promise<IDBDatabase> | null} */
let opened = null;

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(RUNS);
      request.result.createObjectStore(MODELS, { keyPath: "id" });
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
