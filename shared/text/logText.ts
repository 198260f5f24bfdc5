/** Longest outside value a log line or a reason quotes; the rest is cut with a note of its length. */
const defaultMax = 200;

/**
 * A value from outside (an event, a request) as it may appear in a log line or a stored reason: cut to `max`
 * characters and JSON-quoted, so a newline, a control or a line-separator character cannot start a forged line,
 * and bidi or zero-width characters are spelled out rather than reordering the text around them.
 */
export function quote(text: string, max = defaultMax): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
  return JSON.stringify(cut).replace(
    /[\u2028\u2029\p{Cf}]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
