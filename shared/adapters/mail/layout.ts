import escapeHtml from 'escape-html';
import type { NoticeContent } from '../../domain/alerts/content.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const cell = 'style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top"';
const testBanner = 'TEST MESSAGE: nothing is wrong and nothing needs doing.';

/** A notice as a mail, plain text and HTML; the content is one-line text already, and every value is escaped in the HTML. */
export function renderMail(content: NoticeContent): RenderedMail {
  const test = content.tone === 'test';
  const text = [
    test ? `${testBanner}\n` : null,
    content.summary,
    ...content.facts.map(([label, value]) => `${label}: ${value}`),
    ...(content.rows.length ? ['', `Environments (${content.environmentCount}):`] : []),
    ...content.rows.map((row) => `  - ${row.name} (${row.id}), policy ${row.policy}, ${row.status}: ${row.message}`),
    ...(content.lines.length ? [''] : []),
    ...content.lines.map((line) => `  - ${line}`),
    content.more && `  ${content.more}`,
    '',
    content.remedy && `What to do: ${content.remedy}`,
    content.dashboardUrl && `Dashboard: ${content.dashboardUrl}`,
    content.footer,
  ]
    .filter((line) => line !== null)
    .join('\n');

  const e = (value: string) => escapeHtml(value);
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222">',
    test
      ? `<p style="border:2px dashed #0078d4;padding:6px 10px;font-weight:bold;color:#0078d4">${testBanner}</p>`
      : '',
    `<p style="font-size:16px"><strong>${e(content.summary)}</strong></p>`,
    content.facts.length
      ? `<table style="border-collapse:collapse;margin-bottom:12px"><tbody>${content.facts.map(([label, value]) => `<tr><th ${cell}>${e(label)}</th><td ${cell}>${e(value)}</td></tr>`).join('')}</tbody></table>`
      : '',
    content.rows.length
      ? [
          `<table style="border-collapse:collapse"><thead><tr><th ${cell}>Environment</th><th ${cell}>Id</th><th ${cell}>Policy</th><th ${cell}>Status</th><th ${cell}>Finding</th></tr></thead><tbody>`,
          ...content.rows.map(
            (row) =>
              `<tr><td ${cell}>${e(row.name)}</td><td ${cell}>${e(row.id)}</td><td ${cell}>${e(row.policy)}</td><td ${cell}>${e(row.status)}</td><td ${cell}>${e(row.message)}</td></tr>`,
          ),
          '</tbody></table>',
        ].join('\n')
      : '',
    content.lines.length ? `<ul>${content.lines.map((line) => `<li>${e(line)}</li>`).join('')}</ul>` : '',
    content.more ? `<p>${e(content.more)}</p>` : '',
    content.remedy ? `<p><strong>What to do:</strong> ${e(content.remedy)}</p>` : '',
    content.dashboardUrl ? `<p><a href="${e(content.dashboardUrl)}">Open the dashboard</a></p>` : '',
    `<p style="color:#888;font-size:12px">${e(content.footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: content.title, text, html };
}
