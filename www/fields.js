// What a control or a link holds where a number belongs: the number when the text is one,
// otherwise the text itself, so the core's check can quote it ("batch size must be a whole
// number from 2 to 256; got “abc”") instead of the page writing a message of its own.

/** `text` as a finite number, or `text` unchanged (trimmed) when it is not one. */
export function numberOrText(text) {
  const trimmed = String(text).trim();
  const value = Number(trimmed);
  return trimmed !== "" && Number.isFinite(value) ? value : trimmed;
}
