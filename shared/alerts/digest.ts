import escapeHtml from 'escape-html';
import { severities, type Status } from '../domain/model.js';
import { oneLine } from '../oneLine.js';
import type { Incident } from './model.js';
import type { RenderedAlert } from './template.js';

export interface Digest {
  day: string;
  byStatus: Record<Status, number>;
  incidents: Incident[];
  dashboardUrl?: string | undefined;
}

/** The daily summary: counts by status, then every open incident, worst first. */
export function renderDigest(digest: Digest): RenderedAlert {
  const atRisk = digest.byStatus.outage + digest.byStatus.critical + digest.byStatus.warning + digest.byStatus.unknown;
  const subject = `[CMK digest] ${digest.day}: ${digest.byStatus.outage} down, ${digest.byStatus.critical} critical, ${digest.byStatus.warning} warning, ${digest.byStatus.unknown} unknown, ${digest.byStatus.healthy} healthy`;
  const incidents = [...digest.incidents].sort((a, b) => severities.indexOf(b.severity) - severities.indexOf(a.severity) || (a.dueAt ?? '~').localeCompare(b.dueAt ?? '~'));
  const line = (incident: Incident) =>
    `${incident.severity}: ${incident.rule} on ${incident.vault ?? '(no vault)'}/${incident.key ?? '(no key)'}, ${incident.environments.length} environment(s)${incident.dueAt ? `, due ${incident.dueAt.slice(0, 10)}` : ''}`;
  const summary = atRisk ? `${atRisk} environments need attention.` : 'Every monitored environment is healthy.';
  const text = [summary, '', ...incidents.map((incident) => `  - ${oneLine(line(incident))}`), '', digest.dashboardUrl ? `Dashboard: ${digest.dashboardUrl}` : ''].join('\n').trim();
  const html = [
    '<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222">',
    `<p><strong>${escapeHtml(summary)}</strong></p>`,
    incidents.length ? `<ul>${incidents.map((incident) => `<li>${escapeHtml(line(incident))}</li>`).join('')}</ul>` : '',
    digest.dashboardUrl ? `<p><a href="${escapeHtml(digest.dashboardUrl)}">Open the dashboard</a></p>` : '',
    '</body></html>',
  ].join('\n');
  return { subject: oneLine(subject), text, html };
}
