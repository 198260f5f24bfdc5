import type { Finding } from '../model.js';
import { finding, sameText } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const regionMismatchRule = defineRule({
  id: 'region-mismatch',
  kind: 'chain',
  severity: 'warning',
  check: regionMismatch,
  remedy:
    "Create an enterprise policy in the environment's region (policy location must match the environment's geography) and add the environment to that policy instead.",
  duty: 'environmentSide',
  alerting: 'atOnceWhenCritical',
});

export function regionMismatch({ chain, environment }: RuleContext): Finding | null {
  const { policy } = chain;
  if (sameText(policy.location, environment.location)) return null;
  return finding(
    regionMismatchRule,
    `Policy '${policy.name}' is in ${policy.location} but environment '${environment.displayName}' is in ${environment.location}.`,
  );
}
