// What the Node-side benchmark scripts share: their flags, a median, and the machine line their
// JSON records.

import { cpus } from "node:os";

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** The median (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** "N cores, model" of this machine. */
export function machine() {
  return `${cpus().length} cores, ${cpus()[0]?.model ?? "?"}`;
}
