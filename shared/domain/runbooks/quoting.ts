import type { RunbookCommand } from './model.js';

/** A POSIX shell word that reads back as `value`: single quotes, in which nothing is special but the quote itself. */
export function posixQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A PowerShell verbatim string that reads back as `value`. PowerShell also ends a single-quoted string on the
 * typographic single quotes U+2018 to U+201B (about_Quoting_Rules: it "treats smart quotation marks [...] as normal
 * quotation marks"), so each of those is doubled like the apostrophe.
 */
export function powerShellQuote(value: string): string {
  return `'${value.replace(/['\u2018-\u201B]/g, (quote) => quote.repeat(2))}'`;
}

/** An Azure CLI command line; every interpolated value is quoted. */
export function azureCli(parts: TemplateStringsArray, ...values: string[]): RunbookCommand {
  return { shell: 'azure-cli', text: interleave(parts, values.map(posixQuote)) };
}

/** A PowerShell command line; every interpolated value is quoted. */
export function powerShell(parts: TemplateStringsArray, ...values: string[]): RunbookCommand {
  return { shell: 'powershell', text: interleave(parts, values.map(powerShellQuote)) };
}

function interleave(parts: TemplateStringsArray, quoted: string[]): string {
  return parts.reduce((text, part, index) => text + part + (quoted[index] ?? ''), '');
}
