/**
 * Every rule's id, in the order the monitor has always listed them: findings of one severity sort by it, and the rules
 * of a chain are evaluated in it. rules/index.ts defines one rule for each, in the same order.
 */
export const ruleIds = [
  'key-access-failing',
  'key-expired',
  'key-expiring',
  'key-disabled',
  'key-missing',
  'key-not-yet-valid',
  'key-type-unsupported',
  'vault-recovery-off',
  'access-revoked',
  'previous-version-disabled-early',
  'unlinked-chain-broken',
  'vault-network-blocked',
  'region-mismatch',
  'environment-not-eligible',
  'key-no-expiry',
  'monitor-blind',
  'link-failed',
  'link-pending',
  'policy-unhealthy',
  'environment-still-disabled',
  'events-not-wired',
] as const;

export type RuleId = (typeof ruleIds)[number];
