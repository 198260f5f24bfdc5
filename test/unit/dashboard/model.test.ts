import { describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { readDashboard, type DashboardStores } from '../../../shared/application/views/dashboard.js';
import { statusOf } from '../api/builders.js';

const now = new Date('2026-11-22T12:00:00Z');

function stores(statuses: EnvironmentStatus[], lastScanAt: string | null): DashboardStores {
  return {
    statuses: { list: async () => new Map(statuses.map((value) => [value.environmentId, { value, etag: '' }])), recentHistory: async () => [] },
    scans: { last: async () => (lastScanAt ? { at: lastScanAt, summary: {}, etag: '' } : null), lastAudit: async () => null },
    alerts: { list: async () => [], waiting: async () => [] },
  };
}

describe('readDashboard', () => {
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
