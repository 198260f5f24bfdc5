import escapeHtml from 'escape-html';
import { remedies } from '../domain/remedies.js';
import { daysUntil } from '../domain/days.js';
import { deletionNotice } from '../domain/deletionClock.js';
import { oneLine } from '../oneLine.js';
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

const subjectMax = 200;

/** The message for an alert, as plain text and HTML; every value from Azure is escaped or stripped of control characters. */
export function renderAlert(alert: Alert, options: RenderOptions = {}): RenderedAlert {
  const { incident } = alert;
  const resolved = alert.kind === 'resolved';
  const count = options.environmentCount ?? incident.environments.length;
  const environmentsLabel = `${count} environment${count === 1 ? '' : 's'}`;
  const vault = oneLine(incident.vault ?? '(no vault)');
  const key = oneLine(incident.key ?? '(no key)');
  const version = oneLine(incident.keyVersion ?? '(unknown)');
  const today = day(alert.decidedAt);
  const decidedAt = new Date(alert.decidedAt);
  const due = incident.dueAt ? `${day(incident.dueAt)} (${describeDays(daysUntil(incident.dueAt, decidedAt))})` : null;
  const problem = `${incident.rule} on ${vault}/${key}`;
  const deletion = !resolved && incident.deletionAt ? deletionNotice(incident.deletionAt, decidedAt) : null;
  const reminder = deletion !== null && (alert.level ?? 0) > 0;

  const headline = resolved
    ? `[CMK resolved] ${environmentsLabel}: ${problem} cleared ${today}`
    : reminder
      ? `[CMK outage] ${environmentsLabel} ${deletion}: ${problem}`
      : incident.severity === 'outage'
        ? `[CMK outage] ${environmentsLabel} down since ${due ?? today}: ${problem}`
        : `[CMK ${incident.severity}] ${environmentsLabel}, due ${due ?? `${today} (now)`}: ${problem}`;
  const subject = cap(oneLine(headline), subjectMax);

  const what = resolved ? `Resolved: ${problem} no longer affects any environment.` : `${incident.rule} (${incident.severity}) on key ${key} in vault ${vault}.`;
  const dueLine = resolved ? null : (due ?? `${today} (now)`);
  const policies = oneLine(incident.policies.map((policy) => policy.name ?? policy.id).join(', ') || '(none)');
  const details: [string, string][] = [
    ['Vault', vault],
    ['Key', key],
    ['Version', version],
    ['Policies', policies],
    ...(dueLine ? [['Due', dueLine] as [string, string]] : []),
    ...(deletion ? [['Deletion', count > 1 ? `the first ${deletion}` : deletion] as [string, string]] : []),
  ];
  const rows = incident.environments.map((environment) => ({
    name: oneLine(environment.displayName),
    id: oneLine(environment.environmentId),
    policy: oneLine(environment.policyName ?? environment.policyId ?? ''),
    status: environment.status,
    message: oneLine(environment.message),
    deletion: !resolved && environment.deletionAt ? ` Environment ${deletionNotice(environment.deletionAt, decidedAt)}.` : '',
  }));
  const more = count > rows.length ? `… and ${count - rows.length} more` : null;
  const remedy = resolved ? 'Nothing: the monitor sees the chain healthy again for this rule.' : remedies[incident.rule];

  const text = [
    what,
    ...details.map(([label, value]) => `${label}: ${value}`),
    '',
    `Environments (${count}):`,
    ...rows.map((row) => `  - ${row.name} (${row.id}), policy ${row.policy}, ${row.status}: ${row.message}${row.deletion}`),
    more && `  ${more}`,
    '',
    `What to do: ${remedy}`,
    options.dashboardUrl ? `Dashboard: ${oneLine(options.dashboardUrl)}` : null,
    `Alert ${oneLine(alert.id)}`,
  ]
    .filter((line) => line !== null)
    .join('\n');

  const e = (value: string) => escapeHtml(value);
  const cell = 'style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top"';
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222">',
    `<p style="font-size:16px"><strong>${e(what)}</strong></p>`,
    `<table style="border-collapse:collapse;margin-bottom:12px"><tbody>${details.map(([label, value]) => `<tr><th ${cell}>${e(label)}</th><td ${cell}>${e(value)}</td></tr>`).join('')}</tbody></table>`,
    `<table style="border-collapse:collapse"><thead><tr><th ${cell}>Environment</th><th ${cell}>Id</th><th ${cell}>Policy</th><th ${cell}>Status</th><th ${cell}>Finding</th></tr></thead><tbody>`,
    ...rows.map(
      (row) => `<tr><td ${cell}>${e(row.name)}</td><td ${cell}>${e(row.id)}</td><td ${cell}>${e(row.policy)}</td><td ${cell}>${e(row.status)}</td><td ${cell}>${e(row.message)}${e(row.deletion)}</td></tr>`,
    ),
    '</tbody></table>',
    more ? `<p>${e(more)}</p>` : '',
    `<p><strong>What to do:</strong> ${e(remedy)}</p>`,
    options.dashboardUrl ? `<p><a href="${e(options.dashboardUrl)}">Open the dashboard</a></p>` : '',
    `<p style="color:#888;font-size:12px">Alert ${e(alert.id)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** At most `max` UTF-16 units, never ending in half a surrogate pair. */
function cap(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

function day(iso: string): string {
  return oneLine(iso.slice(0, 10));
}

function describeDays(days: number): string {
  if (days > 1) return `in ${days} days`;
  if (days === 1) return 'in 1 day';
  if (days === 0) return 'today';
  return `${-days} day${days === -1 ? '' : 's'} ago`;
}
