import type { Finding } from '../model.js';
import { finding, linkStateOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

/**
 * Microsoft, "Lock and unlock environments through key vault access"
 * (https://learn.microsoft.com/power-platform/admin/cmk-lock-unlock): environments shut down for an unhealthy policy
 * show "Environment disabled"; "To unlock environments, all key access permissions must be restored [...] Reenable the
 * environments to unlock them": an admin selects "Re-enable environment" on each one, which "can take up to five
 * minutes". Power Platform does not re-enable them by itself.
 */
export const environmentStillDisabledRule = defineRule({
  id: 'environment-still-disabled',
  kind: 'afterChain',
  check: environmentStillDisabled,
  remedy:
    "In the Power Platform admin center, open the environment (Manage > Environments; the finding links its page) and select 'Re-enable environment' in its 'Environment disabled' panel; it can take up to five minutes. Repeat for every environment of the policy that is still disabled. You need read access to the enterprise policy.",
  duty: 'environmentSide',
  alerting: 'atOnceWhenCritical',
});

/**
 * An environment Power Platform still reports disabled once its chain shows no outage and the monitor sees all of it:
 * key access is back, and the environment waits for an admin. While the chain is still broken (or unseen) its own
 * findings say why the environment is down. A link being applied or removed disables the environment for a while
 * (Microsoft, customer-managed-key: "The environment will be disabled when it is added to the enterprise policy"), so
 * a pending link is left alone. A runtime state the monitor does not know is named, as not enabled; one not reported
 * says nothing.
 */
export function environmentStillDisabled(
  { environment, chain }: RuleContext,
  chainFindings: Finding[],
): Finding | null {
  const { runtimeState, displayName, adminUrl } = environment;
  if (!runtimeState || /^(enabled|adminmode)$/i.test(runtimeState) || linkStateOf(environment.linkStatus) !== 'linked')
    return null;
  if (chainFindings.some((f) => f.severity === 'outage' || f.rule === 'monitor-blind')) return null;
  const { id } = environmentStillDisabledRule;
  const page = adminUrl ? ` (${adminUrl})` : '';
  if (/^disabled$/i.test(runtimeState)) {
    return finding(
      { id, severity: 'outage' },
      `Power Platform still reports environment '${displayName}' Disabled, though the key chain of policy '${chain.policy.name}' ` +
        `reads usable again: it stays down, and keeps its deletion date, until an admin re-enables it in the Power Platform admin center${page}.`,
    );
  }
  return finding(
    { id, severity: 'warning' },
    `Power Platform reports environment '${displayName}' in runtime state '${runtimeState}', which the monitor does not know ` +
      `and treats as not enabled; check it in the Power Platform admin center${page}.`,
  );
}
