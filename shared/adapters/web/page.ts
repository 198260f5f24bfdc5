import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import { oneLine } from '../../text/oneLine.js';

/** The stylesheet the monitor's pages share. */
export const pageCss = `
:root{--outage:#a4262c;--critical:#d13438;--unknown:#5c2e91;--warning:#8a6d00;--healthy:#107c10;--line:#d0d0d0;--muted:#616161}
*{box-sizing:border-box}
body{margin:0;padding:16px;font:14px/1.45 "Segoe UI",system-ui,-apple-system,sans-serif;color:#1b1b1b;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:var(--muted);margin:0 0 12px}
.banner{border-left:6px solid var(--critical);background:#fde7e9;padding:8px 12px;margin:8px 0 12px}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
.counts li{min-width:120px;padding:8px 12px;border-radius:6px;color:#fff}
.counts strong{display:block;font-size:26px;line-height:1.1}
.bg-outage{background:var(--outage)}.bg-critical{background:var(--critical)}.bg-unknown{background:var(--unknown)}.bg-warning{background:var(--warning)}.bg-healthy{background:var(--healthy)}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;white-space:nowrap}
.id{display:block;color:var(--muted);font-size:12px;word-break:break-all}
code{font-family:Consolas,Menlo,monospace;font-size:12px;background:#eef;padding:0 3px;border-radius:3px}
.finding{margin:0 0 6px}.remedy{color:var(--muted)}
.keys{list-style:none;margin:0;padding:0}.keys li{background:#fff;border:1px solid var(--line);padding:6px 8px;margin:0 0 6px;overflow-wrap:anywhere}
.failed{color:var(--critical);font-weight:600}
@media (max-width:760px){
 thead{display:none}table,tbody,tr,td{display:block;width:100%}
 tr{border:1px solid var(--line);margin:0 0 10px}td{border:0;border-bottom:1px solid #eee}
 td::before{content:attr(data-label);display:block;font-size:11px;color:var(--muted);text-transform:uppercase}
}
@media print{body{background:#fff;padding:0;font-size:11px}.noprint{display:none}.counts li{color:#000;border:1px solid #000;background:none}
 .badge{color:#000;border:1px solid #000;background:none}tr{break-inside:avoid}}
`.trim();

/**
 * A page that allows its one stylesheet (by hash) and nothing else: no script, no external asset, no framing; a form
 * only where `formAction` allows it to go.
 */
export function styleCsp(css: string, formAction = "'none'"): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`,
    "img-src 'none'",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A value as text on one line, as in the mails: escaped, without control or invisible format characters. */
export const e = (value: string | number | null | undefined): string =>
  escapeHtml(value === null || value === undefined ? '' : oneLine(String(value)));

export function stamp(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
