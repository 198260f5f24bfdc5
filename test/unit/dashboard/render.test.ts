import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import { describe, expect, it } from 'vitest';
import { readDashboard, type Dashboard } from '../../../shared/application/views/dashboard.js';
import { unfiltered, type DashboardFilters } from '../../../shared/application/views/dashboardFilters.js';
import { dashboardCsp, renderDashboard } from '../../../shared/adapters/web/dashboardPage.js';
import type { DecodedDashboardQuery } from '../../../shared/adapters/web/dashboardQuery.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Chain, Finding, RuleId } from '../../../shared/domain/model.js';
import { remedies } from '../../../shared/domain/rules/index.js';
import { scheduleIntervalMs } from '../../../shared/schedule.js';
import { statusOf } from '../api/builders.js';
import { chainOf, RESOURCE_GROUP } from '../domain/builders.js';
import { dashboardStores } from './stores.js';

const now = new Date('2026-11-22T12:00:00.000Z');
const day = 86_400_000;
const inDays = (days: number) => new Date(now.getTime() + days * day).toISOString();
const links = { dashboardPath: '/api/dashboard', code: null };
const hostile = '<script>alert(1)</script>';
const offFinding: Finding = { rule: 'key-disabled', severity: 'outage', message: "it's <b>off</b>", dueAt: null };

/** An environment in outage on kv"main/k, deleted in 7 days, named `displayName`. */
function down(displayName = hostile, overrides: Partial<EnvironmentStatus> = {}): EnvironmentStatus {
  return statusOf({
    environmentId: 'e1',
    displayName,
    vault: 'kv"main',
    key: 'k',
    status: 'outage',
    findings: [offFinding],
    outageAt: inDays(0),
    lockedSince: '2026-11-22T10:00:00.000Z',
    deletionAt: '2026-11-29T10:00:00.000Z',
    ...overrides,
  });
}

const query = (filters: Partial<DashboardFilters> = {}, page = 1, notes: string[] = []): DecodedDashboardQuery => ({
  filters: { ...unfiltered, ...filters },
  page,
  notes,
});

async function dashboardOf(statuses: EnvironmentStatus[], asked = query(), chains: Chain[] = []): Promise<Dashboard> {
  return readDashboard(
    dashboardStores(statuses, '2026-11-22T11:30:00.000Z', chains),
    { scanIntervalMs: 3_600_000, thresholdsDays: [30, 14, 7, 3, 1] },
    asked,
    now,
  );
}

async function render(
  statuses: EnvironmentStatus[] = [down()],
  overrides: Partial<Dashboard> = {},
  asked = query(),
  pageLinks = links,
): Promise<string> {
  return renderDashboard({ ...(await dashboardOf(statuses, asked)), ...overrides }, pageLinks, asked);
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('renderDashboard', () => {
  it('escapes every value from Azure, in the SVG too', async () => {
    const page = await render([down(hostile, { vault: 'kv"main' })]);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<b>off</b>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('kv&quot;main');
    expect(page).toContain('it&#39;s &lt;b&gt;off&lt;/b&gt;');
    const svg = /<svg class="tl"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    expect(svg).toContain(
      '<title>&lt;script&gt;alert(1)&lt;/script&gt;: deleted on 2026-11-29 unless key access is restored</title>',
    );
    expect(svg).toContain('kv&quot;main/k');
    expect(svg).not.toContain('<script');
  });

  it('drops bidi overrides and other invisible format characters from names, as the mails do', async () => {
    const disguised = 'Payroll\u202e)dorp(\u200b \u2066HR\u2069\r\nBcc';
    const page = await render([down(disguised)]);
    expect(page).not.toMatch(/\p{Cf}/u);
    // The incident's summary and its list, the outage line, the timeline's mark and its table.
    expect(occurrences(page, 'Payroll)dorp( HR Bcc')).toBe(5);
  });

  it('shows incidents first, one row per key and rule, its environments folded in, the remedy once', async () => {
    const statuses = ['A', 'B', 'C'].map((name, index) =>
      down(`Env ${name}`, { environmentId: `e${index}`, vault: 'kv-main' }),
    );
    const page = await render(statuses);
    expect(page.indexOf('id="incidents"')).toBeLessThan(page.indexOf('Blast radius per key'));
    const rows = [...page.matchAll(/<tr class="incident"[\s\S]*?<\/tr>/g)].map(([row]) => row);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('<summary>3 environments</summary>');
    expect(occurrences(/<ul class="envs">[\s\S]*?<\/ul>/.exec(rows[0] ?? '')?.[0] ?? '', '<li>')).toBe(3);
    expect(rows[0]).toContain(
      'down since 2026-11-22; the first deleted on 2026-11-29 in 7 days unless access is restored',
    );
    expect(occurrences(page, escapeHtml(remedies['key-disabled']))).toBe(1);
    expect(page).toContain(
      '3 environments down behind 1 key; the first, Env A, is deleted on 2026-11-29 in 7 days unless access is restored.',
    );
  });

  it("shows an incident's runbook, its links and commands escaped, and the re-enable step last", async () => {
    const policyId = `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/p`;
    const chains = [chainOf({ policy: { id: policyId, keyName: "k'<b>" } })];
    const dashboard = await dashboardOf([down('Sales', { policyId, key: "k'<b>" })], query(), chains);
    const page = renderDashboard(dashboard, links, query());
    const runbook = /<details class="runbook">[\s\S]*?<\/details>/.exec(page)?.[0] ?? '';
    expect(runbook).toContain('<summary>Runbook:');
    expect(runbook).toContain('<pre class="command" aria-label="Azure CLI">');
    expect(runbook).toMatch(/<a href="https:\/\/portal\.azure\.com\/#resource\/subscriptions\//);
    expect(runbook).not.toContain("k'<b>");
    expect(runbook).toContain('k&#39;&lt;b&gt;');
    const steps = runbook.split('<li>').slice(1);
    expect(steps.at(-1)).toContain('https://admin.powerplatform.microsoft.com/environments/environment/e1/hub');
  });

  it('renders a rule it does not know like any other, without a remedy', async () => {
    const rule = 'a-rule-added-later' as RuleId;
    const page = await render([
      down('New', { findings: [{ rule, severity: 'outage', message: 'News', dueAt: null }] }),
    ]);
    expect(page).toMatch(/<code>a-rule-added-later<\/code> News(<details class="runbook">|<\/td>)/);
    expect(page).not.toContain('What to do:');
  });

  it('counts the healthy environments and links to them; lists them on that link', async () => {
    const healthy = Array.from({ length: 3 }, (_, index) =>
      statusOf({ environmentId: `h${index}`, displayName: `Fine ${index}` }),
    );
    const page = await render([down(), ...healthy]);
    expect(page).toContain(
      '<p id="healthy">3 healthy environments: <a href="/api/dashboard?status=healthy">list them</a>.</p>',
    );
    expect(page).not.toContain('Fine 0');
    const list = await render([down(), ...healthy], {}, query({ status: 'healthy' }));
    expect(list).toContain('<h2>Healthy environments (3)</h2>');
    expect(occurrences(list, 'Fine ')).toBe(3);
  });

  it('pages the incidents with links that keep the filters', async () => {
    const statuses = Array.from({ length: 120 }, (_, index) =>
      down(`Env ${index}`, { environmentId: `e${index}`, key: `k${index}`, vault: 'kv-a' }),
    );
    const page = await render(statuses, {}, query({ vault: 'kv-a' }, 2));
    expect(page).toContain(
      '<nav class="pager noprint" aria-label="Pages"><a href="/api/dashboard?vault=kv-a">« first</a> · <a href="/api/dashboard?vault=kv-a" rel="prev">‹ previous</a> · page 2 of 3 · ' +
        '<a href="/api/dashboard?vault=kv-a&amp;page=3" rel="next">next ›</a> · <a href="/api/dashboard?vault=kv-a&amp;page=3">last »</a></nav>',
    );
    expect(occurrences(page, '<tr class="incident"')).toBe(50);
  });

  it('says what of the query it ignored, and that a page past the last shows the last', async () => {
    const page = await render([down()], {}, query({}, 7, ['The status filter must be one of … <x>: ignored.']));
    expect(page).toContain(
      '<p class="banner note" role="status" id="query-notes">The status filter must be one of … &lt;x&gt;: ignored.<br>There is 1 page: showing page 1.</p>',
    );
    expect(await render()).not.toContain('id="query-notes"');
  });

  it('keeps the function key in every link and in the filter form, escaped, and prints it nowhere else', async () => {
    const chains = [
      chainOf({
        policy: { id: `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/p`, keyName: 'k' },
      }),
    ];
    const code = 'k&"<1';
    const dashboard = await dashboardOf(
      [down(), statusOf({ environmentId: 'h', displayName: 'Fine', vault: 'kv"main', key: 'k' })],
      query(),
      chains,
    );
    const page = renderDashboard(dashboard, { dashboardPath: '/api/dashboard', code }, query());
    const hrefs = [...page.matchAll(/<a href="([^"]*)"/g)].map(([, href]) => href ?? '');
    // The page's own links carry the key; a runbook's links leave for the Azure portal and the admin center, without it.
    const own = hrefs.filter((href) => href.startsWith('/'));
    expect(own.length).toBeGreaterThan(8);
    for (const href of own) expect(href, href).toMatch(/(\?|&amp;)code=k%26%22%3C1$/);
    for (const href of hrefs.filter((href) => !href.startsWith('/')))
      expect(href, href).toMatch(/^https:\/\/(portal\.azure\.com|admin\.powerplatform\.microsoft\.com)\/[^"]*$/);
    for (const href of hrefs.filter((href) => !href.startsWith('/'))) expect(href).not.toContain('code=');
    expect(page).toContain('<input type="hidden" name="code" value="k&amp;&quot;&lt;1">');
    const elsewhere = page
      .replace(/<a href="[^"]*"/g, '')
      .replace('<input type="hidden" name="code" value="k&amp;&quot;&lt;1">', '');
    expect(elsewhere).not.toMatch(/k%26|k&amp;&quot;|k&"</);
    expect(await render()).not.toContain('code=');
  });

  it('allows exactly its own stylesheet, its own GET form and no script', async () => {
    const page = await render();
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(dashboardCsp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(dashboardCsp).toContain("default-src 'none'");
    expect(dashboardCsp).toContain("form-action 'self'");
    expect(page).toMatch(/<form method="get" action="\/api\/dashboard">/);
    expect(page).not.toMatch(/<script|style="|\son[a-z]+=/);
  });

  it('draws the timeline as an inline SVG with a title, a description and a table beside it, or says there is nothing to draw', async () => {
    const page = await render();
    expect(page).toMatch(
      /<svg class="tl" viewBox="0 0 600 \d+" width="600" height="\d+" role="img" aria-labelledby="tl-title tl-desc">\n<title id="tl-title">/,
    );
    expect(page).toContain(
      '<desc id="tl-desc">1 key, worst first: 1 outage. The table beside it lists every date.</desc>',
    );
    expect(page).toContain('<table class="lanes"><caption>The timeline as a table</caption>');
    expect(page).toMatch(
      /<use class="mark deletion f-outage" href="#tl-deletion" x="[\d.]+" y="\d+" data-at="2026-11-29T10:00:00.000Z" data-count="1">/,
    );
    const quiet = await render([statusOf()]);
    expect(quiet).not.toContain('<svg');
    expect(quiet).toContain('No key expires and no environment is due for deletion in the next 90 days.');
  });

  it('links each key to the what-if page for deleting it, disabling its version and denying its vault public access', async () => {
    const page = await render([down('A', { vault: 'kv"main', keyVersion: '1' })]);
    const whatIf = [...page.matchAll(/<a href="(\/api\/dashboard\/what-if[^"]*)">([^<]*)<\/a>/g)].map(
      ([, href, text]) => [href, text],
    );
    expect(whatIf).toEqual([
      ['/api/dashboard/what-if?action=deleteKey&amp;vault=kv%22main&amp;key=k', 'delete this key'],
      [
        '/api/dashboard/what-if?action=disableKeyVersion&amp;vault=kv%22main&amp;key=k&amp;version=1',
        'disable its current version',
      ],
      [
        '/api/dashboard/what-if?action=setVaultNetwork&amp;vault=kv%22main&amp;publicNetworkAccess=Disabled',
        'deny public access to vault kv&quot;main',
      ],
    ]);
  });

  it("lists each policy identity's role assignment, escaped, with a what-if link for removing it", async () => {
    const scope = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/keys/<k>';
    const assignments = {
      items: [
        {
          policy: `cmk-${hostile}`,
          principalId: '11111111-2222-3333-4444-555555555555',
          vault: 'kv',
          scope,
          role: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
        },
      ],
      more: 3,
    };
    const page = await render([down()], { assignments });
    expect(page).not.toContain(`cmk-${hostile}`);
    expect(page).toContain('cmk-&lt;script&gt;');
    expect([...page.matchAll(/<a href="([^"]*)">remove this assignment<\/a>/g)].map(([, found]) => found)).toEqual([
      `/api/dashboard/what-if?action=removeRoleAssignment&amp;principalId=11111111-2222-3333-4444-555555555555&amp;scope=${encodeURIComponent(scope)}`,
    ]);
    expect(page).toContain('And 3 more: narrow the list with the policy or vault filter.');
    expect(await render()).not.toContain('role assignments');
  });

  it('warns while alerts wait to be sent, naming the oldest and its last error, escaped', async () => {
    expect(await render()).not.toContain('waiting-alerts');
    const waitingAlerts = {
      waiting: 2,
      oldest: {
        subject: 's',
        channel: 'email',
        decidedAt: '2026-11-20T08:00:00.000Z',
        attempts: 45,
        lastError: `421 ${hostile}`,
      },
    };
    const page = await render([down('Env')], { waitingAlerts });
    expect(page).toContain(
      '2 alerts not sent yet, the oldest since 2026-11-20 08:00 UTC after 45 attempts through email (last error: 421 &lt;script&gt;',
    );
    expect(page).not.toContain(hostile);
  });

  it('shows which vaults events reach, and none of it when not known', async () => {
    const events = {
      covered: 7,
      vaults: 8,
      notCovered: ['kv-<x>'],
      unknown: [],
      timerOnly: [],
      text: 'events: 7 of 8 vaults; kv-<x> only by the scan every hour',
    };
    expect(await render([down()], { events })).toContain(
      'events: 7 of 8 vaults; kv-&lt;x&gt; only by the scan every hour',
    );
    expect(await render()).not.toContain('events:');
  });

  it('says when Key Vault audit records last came, warns after an hour without, and says nothing without audit logs', async () => {
    expect(await render([down()], { lastAuditAt: '2026-11-22T11:58:00.000Z' })).toMatch(
      /Key Vault audit records: last batch 2026-11-22 11:58/,
    );
    expect(await render([down()], { lastAuditAt: '2026-11-22T09:00:00.000Z' })).toContain(
      'none since 2026-11-22 09:00 UTC (3.0 hours): check the vaults',
    );
    expect(await render()).not.toContain('audit records');
  });

  it('warns when the last scan is overdue, and says when there has been none', async () => {
    expect(await render()).not.toContain('class="banner"');
    expect(await render([down()], { scanOverdue: true, lastScanAt: '2026-11-22T09:00:00.000Z' })).toContain(
      'The last scan ran 3.0 hours ago',
    );
    expect(await render([down()], { scanOverdue: true, lastScanAt: null })).toContain('No scan has run yet');
  });

  it('says above everything, escaped, that a degraded monitor cannot see part of the tenant, and why', async () => {
    const page = await render([down()], {
      degraded: [{ code: 'links-not-seen', reason: `ARM lists 2 encryption policies ${hostile}` }],
    });
    expect(page).toMatch(/<title>CMK monitor: degraded, 1 down, 0 critical seen<\/title>/);
    expect(page.indexOf('id="degraded"')).toBeLessThan(page.indexOf('aria-label="Environments by status"'));
    expect(page).toContain('<code>links-not-seen</code> ARM lists 2 encryption policies &lt;script&gt;');
    expect(page).not.toContain(hostile);
    expect(await render()).not.toContain('id="degraded"');
  });

  it('renders a slot for the test-alert form where the alerts are', async () => {
    const page = renderDashboard(await dashboardOf([down()]), links, query(), {
      testAlerts: '<form id="test-alert"></form>',
    });
    expect(page.indexOf('<form id="test-alert"></form>')).toBeGreaterThan(page.indexOf('<h2>Recent alerts</h2>'));
  });

  it('stays under 200 KB at 20,000 environments, whatever page or filter', async () => {
    // 1,000 keys of 20 environments, every one down on two rules, with long names: the largest page there can be.
    const statuses = Array.from({ length: 20_000 }, (_, index) => {
      const key = `cmk-key-${String(Math.floor(index / 20)).padStart(4, '0')}`;
      return down(`${'Long environment name '.repeat(4)}${index}`, {
        environmentId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        vault: `kv-vault-${String(Math.floor(index / 400)).padStart(2, '0')}`,
        key,
        policyName: `cmk-policy-${key}`,
        policyId: `/p/${key}`,
        findings: [
          offFinding,
          {
            rule: 'key-access-failing',
            severity: 'outage',
            message: `Vault refuses key ${key} to its policy: 403 at 2026-11-22T10:00:00Z.`,
            dueAt: null,
          },
        ],
        deletionAt: inDays(1 + (index % 30)),
      });
    });
    const dashboard = await dashboardOf(statuses);
    for (const asked of [query(), query({}, 3), query({ status: 'outage' }, 40)]) {
      const page = renderDashboard(await dashboardOf(statuses, asked), links, asked);
      expect(Buffer.byteLength(page) / 1024, JSON.stringify(asked)).toBeLessThan(200);
    }
    expect(dashboard.list.kind === 'incidents' && dashboard.list.page.total).toBe(2_000);
  });
});

describe('scheduleIntervalMs', () => {
  it('reads the interval of an NCRONTAB schedule', () => {
    expect(scheduleIntervalMs('0 0 * * * *')).toBe(3_600_000);
    expect(scheduleIntervalMs('0 */5 * * * *')).toBe(300_000);
  });
});
