import type { Finding } from '../model.js';
import { finding, linkStateOf } from './helpers.js';
import { defineRule, type ChainEvaluator, type RuleContext } from './rule.js';

export const linkFailedRule = defineRule({
  id: 'link-failed',
  kind: 'failedLink',
  severity: 'critical',
  check: linkFailed,
  remedy:
    "Fix what the finding names in the policy's chain, if anything (key, vault access, region, Managed Environment); then in the Power Platform admin center go to Policies > Enterprise policies, open the policy and run Add environments again for this environment. Contact Microsoft Support if the re-run fails.",
  duty: 'environmentSide',
  alerting: 'atOnceWhenCritical',
});

function linkFailed(ctx: RuleContext, evaluateKeySide: ChainEvaluator): Finding | null {
  const { environment, chain } = ctx;
  const state = linkStateOf(environment.linkStatus);
  if (state !== 'failed' && state !== 'unrecognized') return null;
  const reported =
    state === 'failed'
      ? `Microsoft could not apply policy '${chain.policy.name}' to environment '${environment.displayName}' (link status Failed)`
      : `Environment '${environment.displayName}' reports link status '${environment.linkStatus}' for policy '${chain.policy.name}', ` +
        'which the monitor does not know and treats as not applied';
  const causes = evaluateKeySide(ctx).filter((f) => f.severity !== 'info');
  const shown = causes.length
    ? ` The policy's chain shows: ${causes.map((f) => `[${f.rule}] ${f.message}`).join(' ')}`
    : '';
  return finding(linkFailedRule, `${reported}; the key does not protect the environment.${shown}`);
}
