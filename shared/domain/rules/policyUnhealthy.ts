import type { Finding } from '../model.js';
import { finding } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const policyUnhealthyRule = defineRule({
  id: 'policy-unhealthy',
  kind: 'chain',
  check: policyUnhealthy,
  remedy:
    "Restore the enterprise policy's access to its key (re-enable or recover the key, re-grant the identity's role or access policy, reopen the vault to trusted services); once Microsoft reports the policy Healthy, unlock the environments in the Power Platform admin center.",
  // Its key's access must be restored and its environments unlocked.
  duty: 'bothSides',
  alerting: 'atOnceWhenCritical',
});

export function policyUnhealthy({ chain }: RuleContext): Finding | null {
  const { name, healthStatus } = chain.policy;
  if (!healthStatus || /^(healthy|undetermined)$/i.test(healthStatus)) return null;
  const { id } = policyUnhealthyRule;
  if (/^unhealthy$/i.test(healthStatus)) {
    return finding(
      { id, severity: 'outage' },
      `Microsoft reports enterprise policy '${name}' Unhealthy: it has found the key unusable and shut down the environments the policy protects.`,
    );
  }
  const reported = /^warning$/i.test(healthStatus)
    ? 'in Warning health'
    : `with health status '${healthStatus}', which the monitor does not know and treats as not healthy`;
  return finding({ id, severity: 'warning' }, `Microsoft reports enterprise policy '${name}' ${reported}.`);
}
