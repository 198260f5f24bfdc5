import type { EnvironmentView } from '../../application/views/environmentView.js';
import { daysUntil } from '../../domain/days.js';
import { deletionNotice } from '../../domain/deletionClock.js';
import type { Status } from '../../domain/model.js';
import type { Dashboard, KeyBlastRadius } from '../../application/views/dashboard.js';
import { whatIfHref, type PageLinks } from './links.js';
import { e, pageCss, stamp, styleCsp } from './page.js';

const statusOrder: Status[] = ['outage', 'critical', 'unknown', 'warning', 'healthy'];
const refreshSeconds = 60;

export const dashboardCsp = styleCsp(pageCss);

export function renderDashboard(dashboard: Dashboard, links: PageLinks): string {
  const now = new Date(dashboard.generatedAt);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refreshSeconds}">
<title>CMK monitor: ${e(summaryTitle(dashboard))}</title>
<style>${pageCss}</style>
</head>
<body>
<h1>Customer-managed keys: Dataverse environments</h1>
<p class="meta">Generated ${e(stamp(dashboard.generatedAt))} · last scan ${dashboard.lastScanAt ? e(stamp(dashboard.lastScanAt)) : 'never'} · refreshes every ${refreshSeconds} s</p>
${dashboard.degraded.length ? degradedBanner(dashboard) : ''}
${dashboard.scanOverdue ? `<p class="banner" role="alert">${e(overdueText(dashboard, now))}</p>` : ''}
${dashboard.events ? `<p class="meta" id="event-coverage">${e(dashboard.events.text)}</p>` : ''}
${dashboard.lastAuditAt ? `<p class="meta" id="audit-records">${e(auditText(dashboard.lastAuditAt, now))}</p>` : ''}
${dashboard.waitingAlerts.oldest ? `<p class="banner" role="alert" id="waiting-alerts">${e(waitingText(dashboard))}</p>` : ''}
<ul class="counts" aria-label="Environments by status">
${statusOrder.map((status) => `<li class="bg-${status}"><strong>${dashboard.byStatus[status]}</strong>${status}</li>`).join('\n')}
</ul>
<h2>Environments, most urgent first</h2>
${environmentsTable(dashboard.environments, now)}
<h2>Blast radius per key</h2>
<ul class="keys">
${dashboard.keys.map((key) => `<li><code>${e(key.vault)}/${e(key.key)}</code>: ${key.environments.length} environment${key.environments.length === 1 ? '' : 's'}: ${key.environments.map((environment) => `${e(environment.displayName)} (${e(environment.status)})`).join(', ')}${whatIfLinks(key, links)}</li>`).join('\n')}
</ul>
${assignmentsList(dashboard, links)}
<h2>Recent status changes</h2>
${historyTable(dashboard)}
<h2>Recent alerts</h2>
${alertsTable(dashboard)}
</body>
</html>
`;
}

/** A monitor that cannot see part of the tenant says so above everything, so the counts below never pass for the whole truth. */
function degradedBanner(dashboard: Dashboard): string {
  return `<div class="banner" role="alert" id="degraded"><p><strong>Degraded: the monitor cannot see part of the tenant.</strong> The counts below may be incomplete; run <code>npm run doctor</code> to find the missing right or field.</p>
<ul>${dashboard.degraded.map((spot) => `<li><code>${e(spot.code)}</code> ${e(spot.reason)}</li>`).join('')}</ul></div>`;
}

function environmentsTable(environments: EnvironmentView[], now: Date): string {
  if (!environments.length) return '<p>No environment is monitored yet.</p>';
  const rows = environments.map(
    (environment) => `<tr class="row-${environment.status}">
<td data-label="Status"><span class="badge bg-${environment.status}">${e(environment.status)}</span></td>
<td data-label="Environment">${e(environment.displayName)}<span class="id">${e(environment.id)}</span></td>
<td data-label="Policy">${e(environment.policy ?? environment.policyId ?? '—')}</td>
<td data-label="Vault / key / version">${e(environment.vault ?? '—')} / ${e(environment.key ?? '—')}<span class="id">${e(environment.keyVersion ?? '')}</span></td>
<td data-label="Days left">${e(daysLeft(environment, now))}</td>
<td data-label="Findings">${environment.findings.map((finding) => `<p class="finding"><code>${e(finding.rule)}</code> ${e(finding.severity)}: ${e(finding.message)}<br><span class="remedy">What to do: ${e(finding.remedy)}</span></p>`).join('') || 'none'}</td>
</tr>`,
  );
  return `<table><thead><tr><th>Status</th><th>Environment</th><th>Policy</th><th>Vault / key / version</th><th>Days left</th><th>Findings and what to do</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function whatIfLinks({ vault, key, version }: KeyBlastRadius, links: PageLinks): string {
  const link = (href: string, text: string) => `<a href="${e(href)}">${e(text)}</a>`;
  const actions = [
    link(whatIfHref({ action: 'deleteKey', vault, key }, links), 'delete this key'),
    ...(version ? [link(whatIfHref({ action: 'disableKeyVersion', vault, key, version }, links), 'disable its current version')] : []),
    link(whatIfHref({ action: 'setVaultNetwork', vault, publicNetworkAccess: 'Disabled' }, links), `deny public access to vault ${vault}`),
  ];
  return `<br><span class="noprint whatif">What if: ${actions.join(' · ')}</span>`;
}

function assignmentsList({ assignments }: Dashboard, links: PageLinks): string {
  if (!assignments.length) return '';
  const items = assignments.map(
    ({ policy, principalId, vault, scope, role }) =>
      `<li>Policy <code>${e(policy)}</code>, identity <code>${e(principalId)}</code>: role <code>${e(role)}</code> at <code>${e(scope)}</code> (vault ${e(vault)})` +
      `<br><span class="noprint whatif">What if: <a href="${e(whatIfHref({ action: 'removeRoleAssignment', principalId, scope }, links))}">remove this assignment</a></span></li>`,
  );
  return `<h2>Policy identities' role assignments</h2>\n<ul class="keys">\n${items.join('\n')}\n</ul>`;
}

function historyTable(dashboard: Dashboard): string {
  if (!dashboard.history.length) return '<p>No change recorded yet.</p>';
  const rows = dashboard.history.map(
    (change) => `<tr><td data-label="When">${e(stamp(change.at))}</td><td data-label="Environment">${e(change.displayName)}</td><td data-label="Change">${e(change.from ?? 'new')} → ${e(change.to ?? 'no longer monitored')}</td><td data-label="Findings">${[...change.added.map((rule) => `+${rule}`), ...change.removed.map((rule) => `−${rule}`)].map((rule) => `<code>${e(rule)}</code>`).join(' ')}</td><td data-label="Noticed by">${e(change.source)}</td></tr>`,
  );
  return `<table><thead><tr><th>When</th><th>Environment</th><th>Change</th><th>Findings</th><th>Noticed by</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function alertsTable(dashboard: Dashboard): string {
  if (!dashboard.alerts.length) return '<p>No alert sent yet.</p>';
  const rows = dashboard.alerts.map(
    (alert) => `<tr><td data-label="Decided">${e(stamp(alert.decidedAt))}</td><td data-label="Alert">${e(alert.subject)}</td><td data-label="To">${e(alert.recipients.join(', ') || '(no recipients)')}</td><td data-label="Delivery" class="${alert.status === 'failed' ? 'failed' : ''}">${e(alert.status)}${alert.sentAt ? ` ${e(stamp(alert.sentAt))}` : ''}${alert.deliveries.length ? `<span class="id">${e(alert.deliveries.map((delivery) => `${delivery.channel} (${delivery.target}) ${delivery.status}`).join(', '))}</span>` : ''}${alert.lastError ? `<span class="id">${e(alert.lastError)}</span>` : ''}</td></tr>`,
  );
  return `<table><thead><tr><th>Decided</th><th>Alert</th><th>To</th><th>Delivery</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function daysLeft(environment: EnvironmentView, now: Date): string {
  if (environment.status === 'outage') {
    const down = environment.outageAt ? `down since ${environment.outageAt.slice(0, 10)}` : 'down';
    return environment.deletionAt ? `${down}; ${deletionNotice(environment.deletionAt, now)}` : down;
  }
  if (!environment.outageAt) return '—';
  const days = daysUntil(environment.outageAt, now);
  return `${days} day${days === 1 ? '' : 's'} (${environment.outageAt.slice(0, 10)})`;
}

function overdueText(dashboard: Dashboard, now: Date): string {
  if (!dashboard.lastScanAt) return 'No scan has run yet: these statuses may be missing or out of date.';
  const hours = ((now.getTime() - Date.parse(dashboard.lastScanAt)) / 3_600_000).toFixed(1);
  return `The last scan ran ${hours} hours ago, more than twice the scan schedule: statuses may be out of date. Check the expiryScan function.`;
}

/**
 * Power Platform's own calls keep Key Vault's audit records coming while any environment is protected: an hour
 * without one means the stream has stopped (a diagnostic setting removed, the Event Hub unreachable).
 */
function auditText(lastAuditAt: string, now: Date): string {
  const hours = (now.getTime() - Date.parse(lastAuditAt)) / 3_600_000;
  if (hours < 1) return `Key Vault audit records: last batch ${stamp(lastAuditAt)}.`;
  return `Key Vault audit records: none since ${stamp(lastAuditAt)} (${hours.toFixed(1)} hours): check the vaults' diagnostic settings and the Event Hub.`;
}

function waitingText({ waitingAlerts: { waiting, oldest } }: Dashboard): string {
  if (!oldest) return '';
  const error = oldest.lastError ? ` (last error: ${oldest.lastError})` : '';
  return `${waiting} alert${waiting === 1 ? '' : 's'} not sent yet, the oldest since ${stamp(oldest.decidedAt)} after ${oldest.attempts} attempts through ${oldest.channel}${error}: check that channel's settings and its receiver.`;
}

function summaryTitle(dashboard: Dashboard): string {
  const { outage, critical } = dashboard.byStatus;
  const seen = outage || critical ? `${outage} down, ${critical} critical` : 'no outage';
  return dashboard.degraded.length ? `degraded, ${seen} seen` : seen;
}
