import escapeHtml from 'escape-html';
import { remedies } from '../domain/remedies.js';
import { daysUntil } from './ladder.js';
import type { Alert } from './model.js';

export interface RenderedAlert {
  subject: string;
  text: string;
  html: string;
}

export interface RenderOptions {
  dashboardUrl?: string | undefined;
  /** Environments affected in all, when `alert.incident.environments` lists only the first of them. */
  environmentCount?: number;
}

/** The message for an alert, as plain text and HTML; every value from Azure is escaped or stripped of control characters. */
export function renderAlert(alert: Alert, options: RenderOptions = {}): RenderedAlert {
  const { incident } = alert;
  const now = new Date(alert.decidedAt);
  const count = options.environmentCount ?? incident.environments.length;
  const chain = oneLine(`${incident.vault ?? '(no vault)'}/${incident.key ?? '(no key)'}`);
  const due = incident.dueAt ? `${day(incident.dueAt)} (${describeDays(daysUntil(incident.dueAt, now))})` : null;
  const environmentsLabel = `${count} environment${count === 1 ? '' : 's'}`;
  const headline =
    alert.kind === 'resolved'
      ? `[CMK resolved] ${environmentsLabel}: ${incident.rule} on ${chain} cleared ${day(alert.decidedAt)}`
      : incident.severity === 'outage'
        ? `[CMK outage] ${environmentsLabel} down since ${due ?? day(alert.decidedAt)}: ${incident.rule} on ${chain}`
        : `[CMK ${incident.severity}] ${environmentsLabel}, due ${due ?? 'now'}: ${incident.rule} on ${chain}`;
  const subject = oneLine(headline).slice(0, 200);

  const what =
    alert.kind === 'resolved'
      ? `Resolved: ${incident.rule} no longer affects key ${chain}.`
      : `${incident.rule} (${incident.severity}) on key ${chain}${incident.keyVersion ? `, version ${oneLine(incident.keyVersion)}` : ''}.`;
  const rows = incident.environments.map((environment) => ({
    name: environment.displayName,
    id: environment.environmentId,
    policy: environment.policyName ?? environment.policyId ?? '',
    status: environment.status,
    message: environment.message,
  }));
  const more = count > rows.length ? `… and ${count - rows.length} more` : null;
  const remedy = alert.kind === 'resolved' ? 'Nothing: the monitor sees the chain healthy again for this rule.' : remedies[incident.rule];
  const policies = incident.policies.map((policy) => policy.name ?? policy.id).join(', ');

  const text = [
    what,
    due && alert.kind !== 'resolved' ? `Due: ${due}` : null,
    '',
    `Environments (${count}):`,
    ...rows.map((row) => `  - ${oneLine(row.name)} (${row.id}), policy ${oneLine(row.policy)}, ${row.status}: ${oneLine(row.message)}`),
    more && `  ${more}`,
    '',
    policies && `Policies: ${oneLine(policies)}`,
    `What to do: ${remedy}`,
    options.dashboardUrl ? `Dashboard: ${options.dashboardUrl}` : null,
    `Alert ${alert.id}`,
  ]
    .filter((line) => line !== null)
    .join('\n');

  const e = (value: string) => escapeHtml(value);
  const cell = 'style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top"';
  const html = [
    '<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222">',
    `<p style="font-size:16px"><strong>${e(what)}</strong></p>`,
    due && alert.kind !== 'resolved' ? `<p>Due: <strong>${e(due)}</strong></p>` : '',
    `<table style="border-collapse:collapse"><thead><tr><th ${cell}>Environment</th><th ${cell}>Id</th><th ${cell}>Policy</th><th ${cell}>Status</th><th ${cell}>Finding</th></tr></thead><tbody>`,
    ...rows.map(
      (row) => `<tr><td ${cell}>${e(row.name)}</td><td ${cell}>${e(row.id)}</td><td ${cell}>${e(row.policy)}</td><td ${cell}>${e(row.status)}</td><td ${cell}>${e(row.message)}</td></tr>`,
    ),
    '</tbody></table>',
    more ? `<p>${e(more)}</p>` : '',
    policies ? `<p>Policies: ${e(policies)}</p>` : '',
    `<p><strong>What to do:</strong> ${e(remedy)}</p>`,
    options.dashboardUrl ? `<p><a href="${e(options.dashboardUrl)}">Open the dashboard</a></p>` : '',
    `<p style="color:#888;font-size:12px">Alert ${e(alert.id)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** Control characters (CR, LF, tabs …) become spaces, so no value can start a new header or line. */
export function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function describeDays(days: number): string {
  if (days > 1) return `in ${days} days`;
  if (days === 1) return 'in 1 day';
  if (days === 0) return 'today';
  return `${-days} day${days === -1 ? '' : 's'} ago`;
}
