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

/** The browser's storage for this page is full (IndexedDB's QuotaExceededError). */
export class StorageFull extends Error {}

// A failed transaction as an Error that says what happened; a full store is its own kind,
// known by the DOMException's name (never by its text).
function failure(error) {
  if (error?.name === "QuotaExceededError") {
    return new StorageFull("this browser's storage for the page is full");
  }
  return new Error(`saving in this browser failed (${error?.message ?? "aborted"})`);
}

/**
 * One transaction on `store`: `act` makes its requests (a first one's result may lead to a
 * second, within the same transaction); resolves the last request's result once the
 * transaction is durable, not merely queued.
 * @param {string} store @param {IDBTransactionMode} mode
 * @param {(s: IDBObjectStore, tx: IDBTransaction) => IDBRequest | void} act
 */
async function request(store, mode, act) {
  const db = await open();
  return new Promise((resolve, reject) => {
    let tx;
    try {
      tx = db.transaction(store, mode);
      const r = act(tx.objectStore(store), tx);
      tx.oncomplete = () => resolve(r?.result);
    } catch (e) {
      reject(failure(e)); // a put the browser refuses at once (e.g. a full store)
      return;
    }
    tx.onerror = tx.onabort = () => reject(failure(tx.error));
  });
}

/**
 * The studio's saved run: `{ runId, dataset, iteration, snapshot: Uint8Array, history,
 * savedAt }` (runId: which run it is, so two tabs never overwrite each other's unawares).
 * @returns {Promise<any>}
 */
export function loadRun() {
  return request(RUNS, "readonly", (s) => s.get(STUDIO));
}

/**
 * Saves the studio's run unless the run saved here now is another one that `live(runId)` says
 * a tab is still training: resolves `{ saved: true }`, or `{ saved: false, other }` with that
 * run's saved record (nothing is written). Read and write are one transaction, so a save from
 * another tab cannot slip in between.
 * @param {{ runId: string }} record @param {Set<string>} live the run ids other tabs hold
 */
export async function saveRun(record, live = new Set()) {
  let other = null, refused = null;
  try {
    await request(RUNS, "readwrite", (s, tx) => {
      const current = s.get(STUDIO);
      current.onsuccess = () => {
        const stored = current.result;
        if (stored?.runId && stored.runId !== record.runId && live.has(stored.runId)) {
          other = stored;
          return; // nothing written: the transaction commits empty
        }
        try {
          s.put(record, STUDIO);
        } catch (e) {
          refused = e; // thrown here it would be the page's uncaught error
          tx.abort();
        }
      };
    });
  } catch (e) {
    throw refused ? failure(refused) : e;
  }
  return other ? { saved: false, other } : { saved: true };
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
