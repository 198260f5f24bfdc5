import type { DashboardStores } from '../../../shared/application/views/dashboard.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Chain } from '../../../shared/domain/model.js';

/** The dashboard's stores in memory: these statuses and chains, a last scan at `lastScanAt` (none when null). */
export function dashboardStores(
  statuses: EnvironmentStatus[],
  lastScanAt: string | null,
  chains: Chain[] = [],
): DashboardStores {
  return {
    statuses: {
      list: async () => new Map(statuses.map((value) => [value.environmentId, { value, etag: '' }])),
      recentHistory: async () => [],
    },
    scans: {
      last: async () => (lastScanAt ? { at: lastScanAt, summary: {}, etag: '' } : null),
      lastAudit: async () => null,
      lastFailure: async () => null,
    },
    alerts: { list: async () => [], waiting: async () => [] },
    chains: {
      list: async () =>
        new Map(
          chains.map((chain) => [chain.policy.id.toLowerCase(), { chain, observedAt: lastScanAt ?? '', etag: '' }]),
        ),
    },
  };
}
