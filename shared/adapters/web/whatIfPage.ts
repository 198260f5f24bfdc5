import type { EnvironmentPrediction, WhatIfAnswer } from '../../application/whatIf.js';
import { statusRank, type Status } from '../../domain/model.js';
import type { Change } from '../../domain/whatIf/changes.js';
import type { PageLinks } from './links.js';
import { e, pageCss, stamp, styleCsp } from './page.js';
import { sidePage } from './sidePage.js';

const whatIfCss = `${pageCss}
.verdict{border:2px solid;border-left-width:12px;border-radius:6px;padding:12px 16px;margin:12px 0 16px;font-size:17px}
.verdict strong{display:block;font-size:24px;text-transform:uppercase;letter-spacing:.04em}
.verdict p{margin:4px 0 0}
.verdict-unsafe{border-color:var(--outage);background:#fde7e9}.verdict-unsafe strong{color:var(--outage)}
.verdict-caution{border-color:var(--warning);background:#fff4ce}.verdict-caution strong{color:var(--warning)}
.verdict-safe{border-color:var(--healthy);background:#dff6dd}.verdict-safe strong{color:var(--healthy)}
@media print{.verdict{background:none}}`;

export const whatIfCsp = styleCsp(whatIfCss);

/** The page's answer, or why the question was refused (the message says which field and what is wrong). */
export type WhatIfOutcome = { ok: true; answer: WhatIfAnswer } | { ok: false; message: string };

type Verdict = 'unsafe' | 'caution' | 'safe';
const verdictLabels: Record<Verdict, string> = { unsafe: 'Unsafe', caution: 'Caution', safe: 'Safe' };

/** The what-if page for one proposed change; `question` is null when the query did not make one. */
export function renderWhatIfPage(question: Change | null, outcome: WhatIfOutcome, links: PageLinks): string {
  const title = question ? questionText(question) : 'What if …?';
  return sidePage(title, whatIfCss, outcome.ok ? answerHtml(outcome.answer) : refusalHtml(outcome.message), links);
}

function questionText(change: Change): string {
  switch (change.action) {
    case 'disableKeyVersion':
      return `What if version ${change.version} of key ${change.key} in vault ${change.vault} is disabled?`;
    case 'deleteKey':
      return `What if key ${change.key} in vault ${change.vault} is deleted?`;
    case 'removeRoleAssignment':
      return `What if the role assignments of principal ${change.principalId} at ${change.scope} are removed?`;
    case 'setVaultNetwork':
      return `What if vault ${change.vault} denies public network access?`;
    default:
      return `What if ${change.action} is applied?`;
  }
}

function answerHtml(answer: WhatIfAnswer): string {
  const verdict = verdictOf(answer.environments);
  const { scannedAt, staleReason } = answer.picture;
  return `<p class="meta" id="picture">Predicted from the monitor's picture, scanned at ${scannedAt ? e(stamp(scannedAt)) : 'never'}; nothing is changed in Azure.</p>
${staleReason ? `<p class="banner" role="alert" id="stale">The monitor's picture may be out of date (${e(staleReason)}): run a scan first.</p>` : ''}
<section class="verdict verdict-${verdict}" id="verdict" role="status"><strong>${verdictLabels[verdict]}</strong><p>${e(answer.summary)}</p></section>
<h2>Environments whose status or findings would change</h2>
${environmentsTable(answer.environments)}`;
}

function refusalHtml(message: string): string {
  return `<p class="banner" role="alert" id="refusal">The question was refused: ${e(message)}</p>
<p>This page answers four questions, each from the dashboard's links: <code>disableKeyVersion</code> (vault, key, version), <code>deleteKey</code> (vault, key), <code>removeRoleAssignment</code> (principalId, scope) and <code>setVaultNetwork</code> with <code>publicNetworkAccess=Disabled</code> (vault). <code>POST /api/what-if</code> takes every change.</p>`;
}

/** Unsafe when an environment would go down or become critical; safe when none would change at all. */
function verdictOf(environments: EnvironmentPrediction[]): Verdict {
  if (!environments.length) return 'safe';
  const worse = environments.some(
    ({ now, after }) =>
      statusRank[after.status] >= statusRank.critical && statusRank[after.status] > statusRank[now.status],
  );
  return worse ? 'unsafe' : 'caution';
}

function environmentsTable(environments: EnvironmentPrediction[]): string {
  if (!environments.length) return '<p id="no-change">None.</p>';
  const badge = (status: Status) => `<span class="badge bg-${status}">${e(status)}</span>`;
  const rules = (sign: string, findings: EnvironmentPrediction['added']) =>
    findings.map((finding) => `<code>${sign}${e(finding.rule)}</code>`).join(' ');
  const rows = environments.map(
    (environment) => `<tr>
<td data-label="Environment">${e(environment.displayName)}<span class="id">${e(environment.environmentId)}</span></td>
<td data-label="SKU">${e(environment.sku)}</td>
<td data-label="Policy">${e(environment.policyName ?? '—')}</td>
<td data-label="Now → after">${badge(environment.now.status)} → ${badge(environment.after.status)}</td>
<td data-label="Findings">${[rules('+', environment.added), rules('−', environment.removed)].filter(Boolean).join(' ') || 'same rules'}${(environment.conditions ?? []).map((condition) => `<br><small>${e(condition)}</small>`).join('')}</td>
<td data-label="Deleted on">${e(environment.after.deletionAt?.slice(0, 10) ?? '—')}</td>
</tr>`,
  );
  return `<table><thead><tr><th>Environment</th><th>SKU</th><th>Policy</th><th>Now → after</th><th>Findings added / removed</th><th>Deleted on</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}
