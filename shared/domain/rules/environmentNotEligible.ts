import type { Finding } from '../model.js';
import { finding } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

const INELIGIBLE_SKUS = ['trial', 'teams'];

export const environmentNotEligibleRule = defineRule({
  id: 'environment-not-eligible',
  kind: 'chain',
  severity: 'warning',
  check: environmentNotEligible,
  remedy:
    'Enable Managed Environments for the environment in the Power Platform admin center; Trial and Teams environments cannot be encrypted with a customer-managed key (convert a trial to production first).',
  duty: 'environmentSide',
  alerting: 'atOnceWhenCritical',
});

export function environmentNotEligible({ environment }: RuleContext): Finding | null {
  const reasons = [
    ...(environment.managed ? [] : ['is not a Managed Environment']),
    ...(INELIGIBLE_SKUS.includes(environment.sku.toLowerCase()) ? [`is of type ${environment.sku}`] : []),
  ];
  if (!reasons.length) return null;
  return finding(
    environmentNotEligibleRule,
    `Environment '${environment.displayName}' ${reasons.join(' and ')}; the encryption policy is not enforced on it.`,
  );
}
