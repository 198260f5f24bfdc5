import type { Finding } from '../model.js';
import { addDays, finding, iso, linkStateOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

/** Applying or removing an enterprise policy can take up to this long. */
const LINK_APPLY_DAYS = 4;

export const linkPendingRule = defineRule({
  id: 'link-pending',
  kind: 'link',
  check: linkPending,
  remedy:
    'Nothing while the policy is being applied or removed (up to four days). If it lasts longer, check the environment in the Power Platform admin center and open a Microsoft support request.',
  duty: 'environmentSide',
  alerting: 'atOnceWhenCritical',
});

export function linkPending({ environment, chain, now, linkStatusSince }: RuleContext): Finding | null {
  if (linkStateOf(environment.linkStatus) !== 'pending') return null;
  const pending = `Environment '${environment.displayName}' is ${environment.linkStatus} on policy '${chain.policy.name}'`;
  const limit = `applying or removing a policy can take up to ${LINK_APPLY_DAYS} days`;
  const { id } = linkPendingRule;
  if (!linkStatusSince) return finding({ id, severity: 'info' }, `${pending}; ${limit}.`);
  const expectedBy = addDays(linkStatusSince, LINK_APPLY_DAYS);
  const since = `${pending}, a status first seen on ${iso(linkStatusSince)}`;
  if (now.getTime() < expectedBy.getTime()) return finding({ id, severity: 'info' }, `${since}; ${limit}.`, expectedBy);
  return finding(
    { id, severity: 'warning' },
    `${since}: longer than the ${LINK_APPLY_DAYS} days applying or removing a policy can take.`,
    expectedBy,
  );
}
