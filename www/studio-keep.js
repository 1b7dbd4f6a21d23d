// @ts-check
// Whose run is saved in this browser. Each studio run has an id, and a tab holds a Web Lock
// named for the run it has, for as long as it has it (the browser lets go when the tab closes).
// So a save can tell a run another tab is still training from one left behind: it never writes
// over the first (the person is told, and may choose to), and a full storage is said while
// training goes on. The write itself is store.saveRun: one transaction, read and put.

import * as store from "./store.js";

const LOCK = "gan-playground:studio-run:";
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

export class RunKeeper {
  constructor() {
    /** @type {string | null} the run this tab has */
    this.runId = null;
    /** @type {Set<string>} every run this tab has had: its own to write over */
    this.mine = new Set();
    /** @type {(() => void) | null} lets go of its lock */
    this.release = null;
    this.overwrite = false; // the person chose to save this tab's run over another tab's
    $("studio-keep-problem").hidden = true;
  }

  /** This tab now has run `runId` (a new one when not given: created, uploaded, a copy). */
  own(runId = crypto.randomUUID()) {
    this.release?.();
    this.runId = runId;
    this.mine.add(runId);
    this.overwrite = false;
    this.#say(null);
    /** @type {() => void} */
    let release = () => {};
    const held = new Promise((resolve) => { release = () => resolve(undefined); });
    navigator.locks?.request(LOCK + runId, () => held).catch(() => {});
    this.release = release;
    return runId;
  }

  /** Whether another tab has run `runId` now. */
  async liveElsewhere(runId) {
    return (await this.#others()).has(runId);
  }

  /**
   * Saves `record` as this tab's run; resolves whether it was saved. Another tab's live run is
   * not written over, and a full storage does not stop the run: both are said in the panel.
   * @param {object} record
   */
  async save(record) {
    if (!this.runId) this.own();
    const live = this.overwrite ? new Set() : await this.#others();
    const panel = $("studio-panel");
    panel.dataset.saving = "true";
    try {
      const result = await store.saveRun({ ...record, runId: this.runId }, live);
      if (!result.saved) {
        this.#say(`Another tab of this browser is training a different studio run (saved at step ${result.other.iteration}), `
          + "so this tab's run is not saved here, to keep that one. Training goes on: download a checkpoint to keep this run, or", true);
        return false;
      }
      this.#say(null);
      return true;
    } catch (e) {
      if (!(e instanceof store.StorageFull)) throw e;
      this.#say(`This tab's run could not be saved: ${e.message}. Training goes on; download a checkpoint to keep it, `
        + "or make room (another site's data, or a saved run discarded) and it is saved again at the next autosave.");
      return false;
    } finally {
      delete panel.dataset.saving;
    }
  }

  async #others() {
    const { held = [] } = (await navigator.locks?.query()) ?? {};
    const ids = held.map((l) => l.name ?? "").filter((n) => n.startsWith(LOCK)).map((n) => n.slice(LOCK.length));
    return new Set(ids.filter((id) => !this.mine.has(id)));
  }

  // The panel's line about saving: hidden when all is well; `offer` shows the take-over button.
  #say(text, offer = false) {
    $("studio-keep-problem").hidden = text === null;
    $("studio-keep-text").textContent = text ?? "";
    $("studio-take-over").hidden = !offer;
  }
}
