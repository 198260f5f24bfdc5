import { describe, expect, it } from 'vitest';
import { readDashboard, type Dashboard } from '../../../shared/application/views/dashboard.js';
import { unfiltered, type DashboardFilters } from '../../../shared/application/views/dashboardFilters.js';
import type { IncidentView } from '../../../shared/application/views/incidentView.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Chain, Finding, RuleId } from '../../../shared/domain/model.js';
import { remedies } from '../../../shared/domain/rules/index.js';
import { disabled, statusOf } from '../api/builders.js';
import { chainOf, grantOf, RESOURCE_GROUP, VAULT_ID } from '../domain/builders.js';
import { dashboardStores } from './stores.js';

const now = new Date('2026-11-22T12:00:00Z');
const day = 86_400_000;
const settings = { scanIntervalMs: null, thresholdsDays: [30, 14, 7, 3, 1] };
const inDays = (days: number) => new Date(now.getTime() + days * day).toISOString();

const read = (
  statuses: EnvironmentStatus[],
  options: { filters?: Partial<DashboardFilters>; page?: number; chains?: Chain[] } = {},
) =>
  readDashboard(
    dashboardStores(statuses, null, options.chains),
    settings,
    { filters: { ...unfiltered, ...options.filters }, page: options.page ?? 1 },
    now,
  );

const incidents = (dashboard: Dashboard): IncidentView[] =>
  dashboard.list.kind === 'incidents' ? dashboard.list.page.items : [];

let count = 0;
/** An environment on `key` (vault kv-main, policy cmk-<key>) with these findings and status. */
function environment(
  displayName: string,
  key: string,
  findings: Finding[],
  overrides: Partial<EnvironmentStatus> = {},
): EnvironmentStatus {
  count++;
  return statusOf({
    environmentId: `00000000-0000-4000-8000-${String(count).padStart(12, '0')}`,
    displayName,
    key,
    policyName: `cmk-${key}`,
    policyId: `/p/cmk-${key}`,
    findings,
    status: findings.some((finding) => finding.severity === 'outage')
      ? 'outage'
      : findings.length
        ? 'warning'
        : 'healthy',
    ...overrides,
  });
}

const expiring = (dueAt: string, severity: Finding['severity'] = 'warning'): Finding => ({
  rule: 'key-expiring',
  severity,
  message: `Key expires on ${dueAt}`,
  dueAt,
});
const locked = (lockedSince: string, deletionAt: string) => ({ status: 'outage' as const, lockedSince, deletionAt });

describe('readDashboard: incidents', () => {
  it('folds the environments of one key and rule into one incident, with counts, its earliest dates and the remedy once', async () => {
    const dashboard = await read([
      environment('Payroll', 'k1', [disabled], locked(inDays(-1), inDays(29))),
      environment('Payroll sandbox', 'k1', [disabled], locked(inDays(-4), inDays(3))),
      environment('Sales', 'k2', [expiring(inDays(10))]),
      environment('Sales UAT', 'k2', [expiring(inDays(10))], { status: 'critical' }),
      environment('Quiet', 'k3', []),
    ]);
    expect(dashboard.list.kind === 'incidents' && dashboard.list.page).toMatchObject({ total: 2, page: 1, pages: 1 });
    const [outage, expiry] = incidents(dashboard);
    expect(outage).toMatchObject({
      rule: 'key-disabled',
      severity: 'outage',
      key: 'k1',
      policies: ['cmk-k1'],
      environmentCount: 2,
      byStatus: { outage: 2, healthy: 0 },
      message: disabled.message,
      downSince: inDays(-4),
      deletionAt: inDays(3),
      remedy: remedies['key-disabled'],
    });
    // The first deleted first; the shared message once, not per environment.
    expect(outage?.environments.map((e) => [e.displayName, e.deletionAt, e.message])).toEqual([
      ['Payroll sandbox', inDays(3), null],
      ['Payroll', inDays(29), null],
    ]);
    expect(expiry).toMatchObject({
      rule: 'key-expiring',
      key: 'k2',
      environmentCount: 2,
      byStatus: { warning: 1, critical: 1 },
      dueAt: inDays(10),
      deletionAt: null,
      downSince: null,
    });
  });

  it('puts the worst severity first, then the earliest date, then the most environments; keeps each message that differs', async () => {
    const dashboard = await read([
      environment('Late', 'k-late', [expiring(inDays(20))]),
      environment('Soon', 'k-soon', [expiring(inDays(5))]),
      environment('Down', 'k-down', [disabled], locked(inDays(0), inDays(30))),
      environment('Blind A', 'k-blind', [
        { rule: 'monitor-blind', severity: 'warning', message: 'A: 403', dueAt: null },
      ]),
      environment('Blind B', 'k-blind', [
        { rule: 'monitor-blind', severity: 'warning', message: 'B: 403', dueAt: null },
      ]),
    ]);
    expect(incidents(dashboard).map((incident) => incident.key)).toEqual(['k-down', 'k-soon', 'k-late', 'k-blind']);
    const blind = incidents(dashboard)[3];
    expect([blind?.message, blind?.environments.map((e) => e.message)]).toEqual([null, ['A: 403', 'B: 403']]);
  });

  it('treats a rule it does not know like any other', async () => {
    const rule = 'a-rule-added-later' as RuleId;
    const [incident] = incidents(
      await read([
        environment('New', 'k1', [{ rule, severity: 'critical', message: 'News', dueAt: null }], {
          status: 'critical',
        }),
      ]),
    );
    expect(incident).toMatchObject({ rule, severity: 'critical', environmentCount: 1, message: 'News' });
  });

  it('lists the most urgent environments of each incident, 150 a page shared among its incidents (at least 3 each), and counts them all', async () => {
    const big = (key: string, size: number) =>
      Array.from({ length: size }, (_, index) =>
        environment(`${key} ${index}`, key, [disabled], locked(inDays(-1), inDays(10 + index))),
      );
    const [alone] = incidents(await read(big('k1', 200)));
    expect(alone?.environmentCount).toBe(200);
    expect(alone?.environments.map((e) => e.displayName)).toEqual(
      Array.from({ length: 150 }, (_, index) => `k1 ${index}`),
    );
    const many = incidents(
      await read(Array.from({ length: 60 }, (_, index) => big(`k${String(index).padStart(2, '0')}`, 5)).flat()),
    );
    expect(many.map((incident) => incident.environments.length)).toEqual(Array<number>(50).fill(3));
    const few = incidents(await read([...big('ka', 40), ...big('kb', 40), ...big('kc', 40)]));
    expect(few.map((incident) => incident.environments.length)).toEqual([40, 40, 40]);
  });

  it('pages the incidents 50 at a time; a page past the last shows the last', async () => {
    const statuses = Array.from({ length: 120 }, (_, index) =>
      environment(`Env ${index}`, `k${String(index).padStart(3, '0')}`, [expiring(inDays(index + 1))]),
    );
    const second = await read(statuses, { page: 2 });
    expect(second.list.kind === 'incidents' && second.list.page).toMatchObject({ total: 120, page: 2, pages: 3 });
    expect(incidents(second).map((incident) => incident.key)).toEqual(
      Array.from({ length: 50 }, (_, index) => `k${String(index + 50).padStart(3, '0')}`),
    );
    const past = await read(statuses, { page: 9 });
    expect(past.list.kind === 'incidents' && [past.list.page.page, past.list.page.items.length]).toEqual([3, 20]);
  });
});

describe('readDashboard: filters', () => {
  const statuses = () => [
    environment('Payroll UK', 'k-uk', [disabled], { ...locked(inDays(0), inDays(30)), vault: 'KV-UK' }),
    environment('Sales EU', 'k-eu', [expiring(inDays(9))], { vault: 'kv-eu' }),
    environment('HR EU', 'k-hr', [], { vault: 'kv-eu' }),
  ];

  it('shows the environments of a status, policy, vault (any case) or holding a text, and counts all of them', async () => {
    const shown = async (filters: Partial<DashboardFilters>) => {
      const dashboard = await read(statuses(), { filters });
      return [dashboard.shown, dashboard.byStatus.outage, incidents(dashboard).map((incident) => incident.key)];
    };
    expect(await shown({ status: 'outage' })).toEqual([1, 1, ['k-uk']]);
    expect(await shown({ policy: 'CMK-K-EU' })).toEqual([1, 1, ['k-eu']]);
    expect(await shown({ vault: 'kv-uk' })).toEqual([1, 1, ['k-uk']]);
    expect(await shown({ vault: 'kv-eu' })).toEqual([2, 1, ['k-eu']]);
    expect(await shown({ text: 'sales' })).toEqual([1, 1, ['k-eu']]);
    expect(await shown({ text: 'kv-uk/k-uk' })).toEqual([1, 1, ['k-uk']]);
    expect(await shown({ text: 'KEY-DISABLED' })).toEqual([1, 1, ['k-uk']]);
    expect(await shown({ vault: 'kv-eu', text: 'payroll' })).toEqual([0, 1, []]);
  });

  it('lists the healthy environments, a page at a time, when the status filter asks for them', async () => {
    const many = Array.from({ length: 60 }, (_, index) =>
      environment(`Fine ${String(index).padStart(2, '0')}`, 'k-ok', []),
    );
    const dashboard = await read([...statuses(), ...many], { filters: { status: 'healthy' }, page: 2 });
    expect(dashboard.list.kind).toBe('healthy');
    expect(dashboard.list.page).toMatchObject({ total: 61, page: 2, pages: 2 });
    expect(dashboard.list.page.items).toHaveLength(11);
  });
});

describe('readDashboard: timeline', () => {
  const policy = (key: string) => ({
    id: `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/cmk-${key}`,
    name: `cmk-${key}`,
    keyName: key,
  });
  const keyExpiring = (key: string, days: number) =>
    chainOf({ policy: policy(key), current: { expiresOn: new Date(now.getTime() + days * day) } });
  const on = (key: string, overrides: Partial<EnvironmentStatus> = {}, findings: Finding[] = []) =>
    environment(`${key} env`, key, findings, { vault: 'kv-contoso', ...overrides });

  it("draws each key with its expiry in 90 days or past, the ladder's thresholds still ahead, and its locked environments' deletions by day, worst first", async () => {
    const dashboard = await read(
      [
        on('k-soon'),
        on('k-later'),
        on('k-far'),
        on('k-expired', locked(inDays(-2), inDays(28)), [disabled]),
        environment('Second', 'k-expired', [disabled], {
          vault: 'kv-contoso',
          ...locked(inDays(-2), new Date(Date.parse(inDays(28)) + 3_600_000).toISOString()),
        }),
        environment('Sandbox', 'k-expired', [disabled], { vault: 'kv-contoso', ...locked(inDays(-2), inDays(5)) }),
      ],
      {
        chains: [
          keyExpiring('k-soon', 10),
          keyExpiring('k-later', 60),
          keyExpiring('k-far', 120),
          keyExpiring('k-expired', -2),
        ],
      },
    );
    const { timeline } = dashboard;
    expect([timeline.from, timeline.to, timeline.moreLanes]).toEqual([now.toISOString(), inDays(90), 0]);
    expect(timeline.lanes.map((lane) => [lane.key, lane.status, lane.expiresOn])).toEqual([
      ['k-expired', 'outage', inDays(-2)],
      ['k-soon', 'healthy', inDays(10)],
      ['k-later', 'healthy', inDays(60)],
    ]);
    const [expired, soon, later] = timeline.lanes;
    expect(soon?.alerts).toEqual([7, 3, 1].map((days) => ({ days, at: inDays(10 - days) })));
    expect(later?.alerts.map((alert) => alert.days)).toEqual([30, 14, 7, 3, 1]);
    expect(expired?.alerts).toEqual([]);
    expect(
      expired?.deletions.map((deletion) => [
        deletion.at,
        deletion.count,
        deletion.environments.map((e) => e.displayName),
      ]),
    ).toEqual([
      [inDays(5), 1, ['Sandbox']],
      [inDays(28), 2, ['k-expired env', 'Second']],
    ]);
  });

  it('draws the 15 most urgent keys and counts the rest; follows the filters', async () => {
    const keys = Array.from({ length: 25 }, (_, index) => `k${String(index).padStart(2, '0')}`);
    const dashboard = await read(
      keys.map((key) => on(key)),
      { chains: keys.map((key, index) => keyExpiring(key, 80 - index)) },
    );
    expect(dashboard.timeline.lanes.map((lane) => lane.key)).toEqual(keys.slice(10).reverse());
    expect(dashboard.timeline.moreLanes).toBe(10);
    const filtered = await read(
      keys.map((key) => on(key)),
      { chains: keys.map((key) => keyExpiring(key, 30)), filters: { text: 'k07' } },
    );
    expect(filtered.timeline.lanes.map((lane) => lane.key)).toEqual(['k07']);
  });
});

describe('readDashboard', () => {
  it("lists the policy identities' role assignments as the scan last read them, none where they could not be read", async () => {
    const readChain = chainOf({ grants: [grantOf({ scope: `${VAULT_ID}/keys/cmk-key` })] });
    const unread = chainOf({
      policy: { id: `${VAULT_ID}-unread-policy`, name: 'ep-unread' },
      grants: { kind: 'blind', detail: '403' },
    });
    const dashboard = await readDashboard(dashboardStores([], null, [readChain, unread]), settings, undefined, now);
    expect(dashboard.assignments).toEqual({
      items: [
        {
          policy: readChain.policy.name,
          principalId: readChain.policy.principalId,
          vault: 'kv-contoso',
          scope: `${VAULT_ID}/keys/cmk-key`,
          role: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        },
      ],
      more: 0,
    });
  });

  it('calls the last scan overdue after twice the schedule, or when there has been none', async () => {
    const hour = { ...settings, scanIntervalMs: 3_600_000 };
    expect((await readDashboard(dashboardStores([], '2026-11-22T10:30:00Z'), hour, undefined, now)).scanOverdue).toBe(
      false,
    );
    expect((await readDashboard(dashboardStores([], '2026-11-22T09:59:00Z'), hour, undefined, now)).scanOverdue).toBe(
      true,
    );
    expect((await readDashboard(dashboardStores([], null), hour, undefined, now)).scanOverdue).toBe(true);
  });

  it('ranks keys by how many environments are behind them, with their statuses counted, and says how many environments are down', async () => {
    const dashboard = await read([
      statusOf({ environmentId: 'a', displayName: 'A', key: 'k1' }),
      statusOf({ environmentId: 'b', displayName: 'B', key: 'k2' }),
      statusOf({ environmentId: 'c', displayName: 'C', key: 'k2', status: 'outage', deletionAt: inDays(6) }),
    ]);
    expect(
      dashboard.keys.items.map((key) => [key.key, key.environments, key.byStatus.outage, key.byStatus.healthy]),
    ).toEqual([
      ['k2', 2, 1, 1],
      ['k1', 1, 0, 1],
    ]);
    expect(dashboard.byStatus).toMatchObject({ outage: 1, healthy: 2 });
    expect(dashboard.outages).toEqual({ environments: 1, keys: 1, firstDeletion: { at: inDays(6), displayName: 'C' } });
  });
});
