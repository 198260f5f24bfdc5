import type { Dashboard } from '../../application/views/dashboard.js';
import type { DashboardFilters } from '../../application/views/dashboardFilters.js';
import type { EnvironmentView } from '../../application/views/environmentView.js';
import type { IncidentEnvironment, IncidentView } from '../../application/views/incidentView.js';
import type { Paged } from '../../application/views/paging.js';
import { deletionNotice } from '../../domain/deletionClock.js';
import { statuses } from '../../domain/model.js';
import { dateAndDays } from './dashboardDates.js';
import { dashboardQueryParams, filterHref } from './dashboardQuery.js';
import { dashboardHref, type PageLinks } from './links.js';
import { e } from './page.js';

/** The page's list: the incidents, most urgent first, or the healthy environments when the filters ask for them; a page of either. */
export function listSection(dashboard: Dashboard, links: PageLinks): string {
  const now = new Date(dashboard.generatedAt);
  const { list, filters } = dashboard;
  if (list.kind === 'healthy') {
    return `<section id="healthy-list"><h2>Healthy environments (${list.page.total})</h2>
${list.page.total ? healthyTable(list.page.items) : '<p>No healthy environment matches the filters.</p>'}
${pager(list.page, filters, links)}</section>`;
  }
  const { page } = list;
  const counted = `${page.total} incident${page.total === 1 ? '' : 's'}: one per key and rule, its environments folded in`;
  return `<section id="incidents"><h2>Incidents, most urgent first</h2>
<p class="meta">${counted}${page.pages > 1 ? `; page ${page.page} of ${page.pages}` : ''}.</p>
${page.total ? incidentsTable(page.items, filters, links, now) : `<p>${emptyText(dashboard)}</p>`}
${pager(page, filters, links)}</section>`;
}

function emptyText(dashboard: Dashboard): string {
  if (!dashboard.shown)
    return Object.values(dashboard.byStatus).some(Boolean)
      ? 'No environment matches the filters.'
      : 'No environment is monitored yet.';
  return `No finding on the ${dashboard.shown} environment${dashboard.shown === 1 ? '' : 's'} shown.`;
}

function incidentsTable(incidents: IncidentView[], filters: DashboardFilters, links: PageLinks, now: Date): string {
  const rows = incidents.map(
    (incident, index) => `<tr class="incident">
<td data-label="Severity"><span class="badge bg-${incident.severity}">${incident.severity}</span></td>
<td data-label="Incident"><code>${e(incident.rule)}</code>${incident.message ? ` ${e(incident.message)}` : ''}${whatToDo(incident, index < runbooksPerPage)}</td>
<td data-label="Key">${keyCell(incident, filters, links)}</td>
<td data-label="Environments">${environmentsCell(incident, now)}</td>
<td data-label="Since / due">${e(whenText(incident, now))}</td>
</tr>`,
  );
  return `<table><thead><tr><th>Severity</th><th>Incident and what to do</th><th>Key</th><th>Environments</th><th>Since / due</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

/**
 * The most urgent incidents of a page show their runbook (a few KB each, with its commands); the rest their remedy,
 * and their environments' runbooks on GET /api/environments/{id}, so a page stays under 200 KB.
 */
const runbooksPerPage = 10;

/** What an admin does about an incident, once for all its environments: the one place it is rendered, where a rule's runbook steps will go. */
function whatToDo(incident: IncidentView, withRunbook: boolean): string {
  const remedy = incident.remedy ? `<p class="remedy">What to do: ${e(incident.remedy)}</p>` : '';
  if (!withRunbook || !incident.runbook.length) return remedy;
  const steps = incident.runbook.map(
    (step) =>
      `<li>${e(step.text)}${step.link ? ` <a href="${e(step.link.url)}" rel="noreferrer">${e(step.link.label)}</a>` : ''}${(step.commands ?? []).map((command) => `<pre class="command" aria-label="${command.shell === 'azure-cli' ? 'Azure CLI' : 'PowerShell'}">${e(command.text)}</pre>`).join('')}</li>`,
  );
  return `${remedy}<details class="runbook"><summary>Runbook: ${incident.runbook.length} step${incident.runbook.length === 1 ? '' : 's'}</summary><ol>${steps.join('')}</ol></details>`;
}

function keyCell({ vault, key, policies }: IncidentView, filters: DashboardFilters, links: PageLinks): string {
  const vaultLink = vault ? `<a href="${e(filterHref(filters, { vault }, links))}">${e(vault)}</a>` : '—';
  const policyText = policies.length
    ? `<span class="id">policy ${policies.map((policy) => e(policy)).join(', ')}</span>`
    : '';
  return `${vaultLink} / ${e(key ?? '—')}${policyText}`;
}

function environmentsCell(incident: IncidentView, now: Date): string {
  const count = incident.environmentCount;
  const [only] = incident.environments;
  const summary = count === 1 && only ? e(only.displayName) : `${count} environments${breakdown(incident)}`;
  const more = count - incident.environments.length;
  return `<details><summary>${summary}</summary><ul class="envs">
${incident.environments.map((environment) => environmentItem(environment, now)).join('\n')}
</ul>${more ? `<p class="meta">And ${more} more: the filters narrow them.</p>` : ''}</details>`;
}

/** ": 2 outage, 1 critical" when its environments' statuses differ. */
function breakdown({ byStatus }: IncidentView): string {
  const present = statuses.filter((status) => byStatus[status]);
  return present.length > 1 ? `: ${present.map((status) => `${byStatus[status]} ${status}`).join(', ')}` : '';
}

function environmentItem(environment: IncidentEnvironment, now: Date): string {
  return `<li><span class="badge bg-${environment.status}">${environment.status}</span> ${e(environment.displayName)}<span class="id">${e(environment.id)}</span>${
    environment.message ? `<span class="finding">${e(environment.message)}</span>` : ''
  }${environment.deletionAt ? `<span class="deletion">deleted ${e(dateAndDays(environment.deletionAt, now))}</span>` : ''}</li>`;
}

function whenText(incident: IncidentView, now: Date): string {
  const since = incident.downSince ? `down since ${incident.downSince.slice(0, 10)}` : null;
  if (incident.deletionAt)
    return `${since ? `${since}; ` : ''}${incident.environmentCount > 1 ? 'the first ' : ''}${deletionNotice(incident.deletionAt, now)}`;
  if (since) return since;
  return incident.dueAt ? `due ${dateAndDays(incident.dueAt, now)}` : '—';
}

function healthyTable(environments: EnvironmentView[]): string {
  const rows = environments.map(
    (environment) => `<tr>
<td data-label="Environment">${e(environment.displayName)}<span class="id">${e(environment.id)}</span></td>
<td data-label="Policy">${e(environment.policy ?? environment.policyId ?? '—')}</td>
<td data-label="Vault / key / version">${e(environment.vault ?? '—')} / ${e(environment.key ?? '—')}<span class="id">${e(environment.keyVersion ?? '')}</span></td>
<td data-label="Notes">${environment.findings.map((finding) => `<code>${e(finding.rule)}</code> ${e(finding.message)}`).join('<br>') || 'none'}</td>
</tr>`,
  );
  return `<table><thead><tr><th>Environment</th><th>Policy</th><th>Vault / key / version</th><th>Notes</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function pager(page: Paged<unknown>, filters: DashboardFilters, links: PageLinks): string {
  if (page.pages <= 1) return '';
  const link = (to: number, text: string, rel = '') =>
    `<a href="${e(dashboardHref(links, dashboardQueryParams(filters, to)))}"${rel}>${text}</a>`;
  const parts = [
    ...(page.page > 1 ? [link(1, '« first'), link(page.page - 1, '‹ previous', ' rel="prev"')] : []),
    `page ${page.page} of ${page.pages}`,
    ...(page.page < page.pages ? [link(page.page + 1, 'next ›', ' rel="next"'), link(page.pages, 'last »')] : []),
  ];
  return `<nav class="pager noprint" aria-label="Pages">${parts.join(' · ')}</nav>`;
}
