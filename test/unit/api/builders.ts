import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Finding } from '../../../shared/domain/model.js';

export const disabled: Finding = {
  rule: 'key-disabled',
  severity: 'outage',
  message: 'Key k version 1 is disabled',
  dueAt: null,
};
export const expiring: Finding = {
  rule: 'key-expiring',
  severity: 'warning',
  message: 'Key k expires on 2026-12-12',
  dueAt: '2026-12-12T00:00:00.000Z',
};

/** A stored status; by default a healthy environment on policy `cmk-sales`. */
export function statusOf(overrides: Partial<EnvironmentStatus> = {}): EnvironmentStatus {
  return {
    environmentId: '00000000-0000-4000-8000-000000000001',
    displayName: 'Sales',
    policyId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/cmk-sales',
    policyName: 'cmk-sales',
    vault: 'kv-main',
    key: 'k',
    keyVersion: '1',
    status: 'healthy',
    findings: [],
    outageAt: null,
    since: '2026-11-22T12:00:00.000Z',
    lockedSince: null,
    deletionAt: null,
    observedAt: '2026-11-22T12:00:00.000Z',
    ...overrides,
  };
}
