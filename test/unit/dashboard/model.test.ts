import { describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { readDashboard, type DashboardStores } from '../../../shared/application/views/dashboard.js';
import { statusOf } from '../api/builders.js';
import type { Chain } from '../../../shared/domain/model.js';
import { chainOf, grantOf, VAULT_ID } from '../domain/builders.js';

const now = new Date('2026-11-22T12:00:00Z');

function stores(statuses: EnvironmentStatus[], lastScanAt: string | null, chains: Chain[] = []): DashboardStores {
  return {
    statuses: { list: async () => new Map(statuses.map((value) => [value.environmentId, { value, etag: '' }])), recentHistory: async () => [] },
    scans: { last: async () => (lastScanAt ? { at: lastScanAt, summary: {}, etag: '' } : null), lastAudit: async () => null, lastFailure: async () => null },
    alerts: { list: async () => [], waiting: async () => [] },
    chains: { list: async () => new Map(chains.map((chain) => [chain.policy.id.toLowerCase(), { chain, observedAt: lastScanAt ?? '', etag: '' }])) },
  };
}

describe('readDashboard', () => {
  it("lists the policy identities' role assignments as the scan last read them, none where they could not be read", async () => {
    const read = chainOf({ grants: [grantOf({ scope: `${VAULT_ID}/keys/cmk-key` })] });
    const unread = chainOf({ policy: { id: `${VAULT_ID}-unread-policy`, name: 'ep-unread' }, grants: { kind: 'blind', detail: '403' } });
    const dashboard = await readDashboard(stores([], null, [read, unread]), null, now);
    expect(dashboard.assignments).toEqual([
      { policy: read.policy.name, principalId: read.policy.principalId, vault: 'kv-contoso', scope: `${VAULT_ID}/keys/cmk-key`, role: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
  });

  it('calls the last scan overdue after twice the schedule, or when there has been none', async () => {
    const hour = 3_600_000;
    expect((await readDashboard(stores([], '2026-11-22T10:30:00Z'), hour, now)).scanOverdue).toBe(false);
    expect((await readDashboard(stores([], '2026-11-22T09:59:00Z'), hour, now)).scanOverdue).toBe(true);
    expect((await readDashboard(stores([], null), hour, now)).scanOverdue).toBe(true);
  });

  it('ranks keys by how many environments are behind them', async () => {
    const statuses = [
      statusOf({ environmentId: 'a', displayName: 'A', key: 'k1' }),
      statusOf({ environmentId: 'b', displayName: 'B', key: 'k2' }),
      statusOf({ environmentId: 'c', displayName: 'C', key: 'k2', status: 'outage' }),
    ];
    const dashboard = await readDashboard(stores(statuses, null), null, now);
    expect(dashboard.keys.map((key) => [key.key, key.environments.map((e) => e.displayName)])).toEqual([
      ['k2', ['C', 'B']],
      ['k1', ['A']],
    ]);
    expect(dashboard.byStatus).toMatchObject({ outage: 1, healthy: 2 });
    expect(dashboard.environments[0]?.displayName).toBe('C');
  });
});
