/**
 * A value from Azure as one line of display text, in a mail or on the dashboard. Control characters (CR, LF,
 * tabs …) and line separators become spaces, so no value can start a new header or line; invisible format
 * characters (bidi overrides, zero-width) go, so none can disguise a name or a subject.
 */
export function oneLine(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\p{Cf}+/gu, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}
