import type { Finding } from '../model.js';
import { quietFrom, type RefusalStreak } from '../refusals.js';
import { finding } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyAccessFailingRule = defineRule({
  id: 'key-access-failing',
  kind: 'chain',
  severity: 'outage',
  check: keyAccessFailing,
  remedy:
    "Give the enterprise policy's identity its access back now: re-enable or recover the key, restore its role or access policy, reopen the vault to trusted Microsoft services. The finding clears once the refusals stop and the monitor reads the chain; then unlock the environments in the Power Platform admin center if they were locked.",
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

/**
 * Power Platform's own calls under the policy identity are being refused: observed, not predicted. It holds until
 * the quiet period has passed since the last refusal arrived and the monitor has read the chain itself.
 */
export function keyAccessFailing({ chain, now, options }: RuleContext): Finding | null {
  const streak = chain.refusals?.reduce<RefusalStreak | null>(
    (last, s) => (!last || Date.parse(s.arrivedAt) > Date.parse(last.arrivedAt) ? s : last),
    null,
  );
  if (!streak) return null;
  const quietSince = quietFrom(streak, options.refusalQuietMinutes * 60_000);
  const readBack = [chain.vault, chain.key, chain.grants].every((read) => read.kind === 'found');
  if (now.getTime() >= quietSince && readBack) return null;
  const key = streak.keyName ? `key '${streak.keyName}'` : 'its key';
  // To the minute: a finding that changed with every refused call would rewrite the status with every batch.
  const last = `${streak.lastAt.slice(0, 16)}Z`;
  const since = last === `${streak.firstAt.slice(0, 16)}Z` ? '' : `, refused since ${streak.firstAt}`;
  return finding(
    keyAccessFailingRule,
    `Vault '${streak.vaultName}' refuses ${key} to enterprise policy '${chain.policy.name}': ${streak.operation} answered ` +
      `${streak.status} at ${last}${since}. Power Platform cannot use the key, so the environments are going offline now.`,
    new Date(streak.firstAt),
  );
}
