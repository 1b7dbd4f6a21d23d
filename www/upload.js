// @ts-check
// A generator file of one's own, opened in the explorer (safetensors with pytorch-dcgan names,
// as `gan-playground train` writes them and PyTorch's dcgan/main.py saves them). Its size is
// checked before it is read, its header by the core, and every tensor when the generation
// worker loads it: a file refused changes nothing. It is kept in this browser as a generator
// trained in the studio is (a `local:` id), so its links work here.

const $ = (id) => /** @type {any} */ (document.getElementById(id));

/**
 * @param {any} pure the core's pure functions (`core.pure`)
 * @param {(model: any) => Promise<void>} open shows the model in the explorer; throws when the
 *   worker refuses its weights
 * @param {(text: string) => void} onError
 */
export function wireUpload(pure, open, onError) {
  const input = $("model-file");
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const refuse = (why) => onError(`The generator file ${file.name} was refused: ${why}. Nothing was changed.`);
    const max = pure.generatorFileLimit();
    if (file.size > max) {
      refuse(`it is ${file.size} bytes and the explorer opens files up to ${max} bytes (${max / 2 ** 20} MB)`);
      return;
    }
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
      pure.describeGenerator(bytes);
    } catch (e) {
      refuse(e.message); // unreadable (moved, no permission) or not a generator
      return;
    }
    const name = file.name.replace(/\.safetensors$/i, "") || "generator";
    // Its own kind of id (safe in a link as it is): it replaces an earlier file of that name,
    // never a generator trained in the studio (`local:NAME`).
    const id = `local:file-${name.replace(/[^A-Za-z0-9_.-]+/g, "-")}`;
    const prior = $("model-file-prior").value;
    await open({ id, name: `${name} (opened here)`, opened: true, prior, bytes, dataset: null, savedAt: Date.now() });
  });
}
