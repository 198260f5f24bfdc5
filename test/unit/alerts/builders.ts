import type { Incident } from '../../../shared/domain/alerts/model.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Finding, RuleId, Severity } from '../../../shared/domain/model.js';

export const now = new Date('2026-11-22T12:00:00Z');
export const day = 86_400_000;

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'key-disabled|kv-main|pp-key',
    rule: 'key-disabled',
    severity: 'outage',
    vault: 'kv-main',
    key: 'pp-key',
    keyVersion: '0a1b',
    dueAt: null,
    deletionAt: null,
    policies: [
      {
        id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/cmk-eu',
        name: 'cmk-eu',
      },
    ],
    environments: [
      {
        environmentId: 'e1',
        displayName: 'Sales',
        status: 'outage',
        policyId: 'p',
        policyName: 'cmk-eu',
        message: 'Key pp-key is disabled',
        deletionAt: null,
      },
    ],
    ...overrides,
  };
}

/** key-expiring with the key expiring `days` days after `now`. */
export function expiring(days: number): Incident {
  return incident({
    id: 'key-expiring|kv-main|pp-key',
    rule: 'key-expiring',
    severity: days <= 7 ? 'critical' : 'warning',
    dueAt: new Date(now.getTime() + days * day).toISOString(),
  });
}

/** A stored status on the key kv-main/pp-key through policy cmk-eu, with the given findings. */
export function status(
  environmentId: string,
  findings: Finding[],
  overrides: Partial<EnvironmentStatus> = {},
): EnvironmentStatus {
  return {
    environmentId,
    displayName: environmentId,
    policyId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/cmk-eu',
    policyName: 'cmk-eu',
    vault: 'kv-main',
    key: 'pp-key',
    keyVersion: '0a1b',
    status: 'outage',
    findings,
    outageAt: null,
    since: now.toISOString(),
    lockedSince: null,
    deletionAt: null,
    observedAt: now.toISOString(),
    ...overrides,
  };
}

export function finding(
  rule: RuleId,
  severity: Severity,
  dueAt: string | null = null,
  message = `${rule} here`,
): Finding {
  return { rule, severity, message, dueAt };
}
