import type { Dashboard, KeyBlastRadius } from '../../application/views/dashboard.js';
import { isFiltered, type DashboardFilters } from '../../application/views/dashboardFilters.js';
import { deletionNotice } from '../../domain/deletionClock.js';
import { statuses, type Status } from '../../domain/model.js';
import { listSection } from './dashboardIncidents.js';
import { filterHref, filterParams, maxFilterLength, type DecodedDashboardQuery } from './dashboardQuery.js';
import { dashboardCss } from './dashboardStyle.js';
import { timelineSection } from './dashboardTimeline.js';
import { dashboardHref, whatIfHref, type PageLinks } from './links.js';
import { e, stamp } from './page.js';

export { dashboardCsp } from './dashboardStyle.js';

const statusOrder: Status[] = ['outage', 'critical', 'unknown', 'warning', 'healthy'];
const refreshSeconds = 60;

/** Fragments other parts of the app render into the page (trusted HTML, escaped where they are made). */
export interface DashboardSlots {
  /** The test-alert form: a button per alert channel. */
  testAlerts?: string;
}

export function renderDashboard(
  dashboard: Dashboard,
  links: PageLinks,
  query: DecodedDashboardQuery,
  slots: DashboardSlots = {},
): string {
  const now = new Date(dashboard.generatedAt);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refreshSeconds}">
<title>CMK monitor: ${e(summaryTitle(dashboard))}</title>
<style>${dashboardCss}</style>
</head>
<body>
<h1>Customer-managed keys: Dataverse environments</h1>
<p class="meta">Generated ${e(stamp(dashboard.generatedAt))} · last scan ${dashboard.lastScanAt ? e(stamp(dashboard.lastScanAt)) : 'never'} · refreshes every ${refreshSeconds} s</p>
${dashboard.degraded.length ? degradedBanner(dashboard) : ''}
${dashboard.scanOverdue ? `<p class="banner" role="alert">${e(overdueText(dashboard, now))}</p>` : ''}
${dashboard.events ? `<p class="meta" id="event-coverage">${e(dashboard.events.text)}</p>` : ''}
${dashboard.lastAuditAt ? `<p class="meta" id="audit-records">${e(auditText(dashboard.lastAuditAt, now))}</p>` : ''}
${dashboard.waitingAlerts.oldest ? `<p class="banner" role="alert" id="waiting-alerts">${e(waitingText(dashboard))}</p>` : ''}
${notesOf(dashboard, query)}
<ul class="counts" aria-label="Environments by status">
${statusOrder.map((status) => countItem(dashboard, status, links)).join('\n')}
</ul>
${dashboard.outages.environments ? `<p class="outages" id="outages">${e(outagesText(dashboard, now))}</p>` : ''}
${filterForm(dashboard, links)}
${timelineSection(dashboard.timeline, isFiltered(dashboard.filters))}
${listSection(dashboard, links)}
${dashboard.list.kind === 'incidents' ? healthyLine(dashboard, links) : ''}
${keysSection(dashboard, links)}
${assignmentsList(dashboard, links)}
<h2>Recent status changes</h2>
${historyTable(dashboard)}
<h2>Recent alerts</h2>
${alertsTable(dashboard)}
${slots.testAlerts ?? ''}
</body>
</html>
`;
}

/** A monitor that cannot see part of the tenant says so above everything, so the counts below never pass for the whole truth. */
function degradedBanner(dashboard: Dashboard): string {
  return `<div class="banner" role="alert" id="degraded"><p><strong>Degraded: the monitor cannot see part of the tenant.</strong> The counts below may be incomplete; run <code>npm run doctor</code> to find the missing right or field.</p>
<ul>${dashboard.degraded.map((spot) => `<li><code>${e(spot.code)}</code> ${e(spot.reason)}</li>`).join('')}</ul></div>`;
}

/** What of the query the page could not use, and a page past the last. */
function notesOf({ list }: Dashboard, query: DecodedDashboardQuery): string {
  const { page } = list;
  const notes = [
    ...query.notes,
    ...(query.page > page.page
      ? [`There ${page.pages === 1 ? 'is 1 page' : `are ${page.pages} pages`}: showing page ${page.page}.`]
      : []),
  ];
  return notes.length
    ? `<p class="banner note" role="status" id="query-notes">${notes.map((note) => e(note)).join('<br>')}</p>`
    : '';
}

/** A status's count, linking to its environments (back to all of them from the status shown). */
function countItem({ byStatus, filters }: Dashboard, status: Status, links: PageLinks): string {
  const current = filters.status === status;
  const href = filterHref(filters, { status: current ? null : status }, links);
  return `<li class="bg-${status}"${current ? ' aria-current="true"' : ''}><a href="${e(href)}"><strong>${byStatus[status]}</strong>${status}</a></li>`;
}

function outagesText({ outages }: Dashboard, now: Date): string {
  const down = `${outages.environments} environment${outages.environments === 1 ? '' : 's'} down behind ${outages.keys} key${outages.keys === 1 ? '' : 's'}`;
  if (!outages.firstDeletion) return `${down}.`;
  return `${down}; the first, ${outages.firstDeletion.displayName}, is ${deletionNotice(outages.firstDeletion.at, now)}.`;
}

/** Filters by status, policy, vault and text: a GET form that keeps the function key the page was reached with. */
function filterForm(dashboard: Dashboard, links: PageLinks): string {
  const { filters } = dashboard;
  const filtered = isFiltered(filters);
  const total = Object.values(dashboard.byStatus).reduce((sum, count) => sum + count, 0);
  const field = (label: string, filter: Exclude<keyof DashboardFilters, 'status'>, type = 'text') =>
    `<label>${label}<input type="${type}" name="${filterParams[filter]}" value="${e(filters[filter])}" maxlength="${maxFilterLength}"></label>`;
  const options = ['', ...statuses]
    .map(
      (status) =>
        `<option value="${status}"${(filters.status ?? '') === status ? ' selected' : ''}>${status || 'any'}</option>`,
    )
    .join('');
  return `<details class="filters noprint" id="filters"${filtered ? ' open' : ''}><summary>${filtered ? `Showing ${dashboard.shown} of ${total} environments: ${e(filtersText(filters))}` : `Filter the ${total} environments`}</summary>
<form method="get" action="${e(links.dashboardPath)}">${links.code === null ? '' : `<input type="hidden" name="code" value="${e(links.code)}">`}
<label>Status<select name="${filterParams.status}">${options}</select></label>
${field('Policy', 'policy')}
${field('Vault', 'vault')}
${field('Text', 'text', 'search')}
<button type="submit">Show</button>${filtered ? ` <a href="${e(dashboardHref(links))}">all environments</a>` : ''}
</form></details>`;
}

function filtersText(filters: DashboardFilters): string {
  const parts = [
    filters.status && `status ${filters.status}`,
    filters.policy && `policy ${filters.policy}`,
    filters.vault && `vault ${filters.vault}`,
    filters.text && `text "${filters.text}"`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Healthy environments have no incident: they are counted, and listed a page at a time on their own link. */
function healthyLine({ byStatus, filters }: Dashboard, links: PageLinks): string {
  const healthy = byStatus.healthy;
  const list = healthy ? `: <a href="${e(filterHref(filters, { status: 'healthy' }, links))}">list them</a>` : '';
  return `<p id="healthy">${healthy} healthy environment${healthy === 1 ? '' : 's'}${list}.</p>`;
}

function keysSection({ keys }: Dashboard, links: PageLinks): string {
  if (!keys.items.length) return '';
  const items = keys.items.map(
    (key) =>
      `<li><code>${e(key.vault)}/${e(key.key)}</code>: ${key.environments} environment${key.environments === 1 ? '' : 's'} (${e(statusCounts(key))})${whatIfLinks(key, links)}</li>`,
  );
  const more = keys.more
    ? `<p class="meta">And ${keys.more} more key${keys.more === 1 ? '' : 's'} with fewer environments: narrow the list with the filters.</p>`
    : '';
  return `<h2>Blast radius per key</h2>\n<ul class="keys">\n${items.join('\n')}\n</ul>${more}`;
}

function statusCounts({ byStatus }: KeyBlastRadius): string {
  return statusOrder
    .filter((status) => byStatus[status])
    .map((status) => `${byStatus[status]} ${status}`)
    .join(', ');
}

function whatIfLinks({ vault, key, version }: KeyBlastRadius, links: PageLinks): string {
  const link = (href: string, text: string) => `<a href="${e(href)}">${e(text)}</a>`;
  const actions = [
    link(whatIfHref({ action: 'deleteKey', vault, key }, links), 'delete this key'),
    ...(version
      ? [link(whatIfHref({ action: 'disableKeyVersion', vault, key, version }, links), 'disable its current version')]
      : []),
    link(
      whatIfHref({ action: 'setVaultNetwork', vault, publicNetworkAccess: 'Disabled' }, links),
      `deny public access to vault ${vault}`,
    ),
  ];
  return `<br><span class="noprint whatif">What if: ${actions.join(' · ')}</span>`;
}

function assignmentsList({ assignments }: Dashboard, links: PageLinks): string {
  if (!assignments.items.length) return '';
  const items = assignments.items.map(
    ({ policy, principalId, vault, scope, role }) =>
      `<li>Policy <code>${e(policy)}</code>, identity <code>${e(principalId)}</code>: role <code>${e(role)}</code> at <code>${e(scope)}</code> (vault ${e(vault)})` +
      `<br><span class="noprint whatif">What if: <a href="${e(whatIfHref({ action: 'removeRoleAssignment', principalId, scope }, links))}">remove this assignment</a></span></li>`,
  );
  const more = assignments.more
    ? `<p class="meta">And ${assignments.more} more: narrow the list with the policy or vault filter.</p>`
    : '';
  return `<h2>Policy identities' role assignments</h2>\n<ul class="keys">\n${items.join('\n')}\n</ul>${more}`;
}

function historyTable(dashboard: Dashboard): string {
  if (!dashboard.history.length) return '<p>No change recorded yet.</p>';
  const rows = dashboard.history.map(
    (change) =>
      `<tr><td data-label="When">${e(stamp(change.at))}</td><td data-label="Environment">${e(change.displayName)}</td><td data-label="Change">${e(change.from ?? 'new')} → ${e(change.to ?? 'no longer monitored')}</td><td data-label="Findings">${[...change.added.map((rule) => `+${rule}`), ...change.removed.map((rule) => `−${rule}`)].map((rule) => `<code>${e(rule)}</code>`).join(' ')}</td><td data-label="Noticed by">${e(change.source)}</td></tr>`,
  );
  return `<table><thead><tr><th>When</th><th>Environment</th><th>Change</th><th>Findings</th><th>Noticed by</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function alertsTable(dashboard: Dashboard): string {
  if (!dashboard.alerts.length) return '<p>No alert sent yet.</p>';
  const rows = dashboard.alerts.map(
    (alert) =>
      `<tr><td data-label="Decided">${e(stamp(alert.decidedAt))}</td><td data-label="Alert">${e(alert.subject)}</td><td data-label="To">${e(alert.recipients.join(', ') || '(no recipients)')}</td><td data-label="Delivery" class="${alert.status === 'failed' ? 'failed' : ''}">${e(alert.status)}${alert.sentAt ? ` ${e(stamp(alert.sentAt))}` : ''}${alert.deliveries.length ? `<span class="id">${e(alert.deliveries.map((delivery) => `${delivery.channel} (${delivery.target}) ${delivery.status}`).join(', '))}</span>` : ''}${alert.lastError ? `<span class="id">${e(alert.lastError)}</span>` : ''}</td></tr>`,
  );
  return `<table><thead><tr><th>Decided</th><th>Alert</th><th>To</th><th>Delivery</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
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
