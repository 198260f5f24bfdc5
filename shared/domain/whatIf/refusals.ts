import type { Chain, Environment } from '../model.js';
import { accessRevoked } from '../rules/accessRevoked.js';
import { keyDisabled } from '../rules/keyDisabled.js';
import { keyExpired } from '../rules/keyExpired.js';
import { keyMissing } from '../rules/keyMissing.js';
import { keyNotYetValid } from '../rules/keyNotYetValid.js';
import type { ChainRule, RuleOptions } from '../rules/rule.js';
import { vaultNetworkBlocked } from '../rules/vaultNetworkBlocked.js';
import type { Picture } from './picture.js';

/** Why Key Vault refuses Power Platform's calls under the policy identity: while one of them holds, the refusals go on. */
const refusing: readonly ChainRule[] = [
  keyMissing,
  keyDisabled,
  keyExpired,
  keyNotYetValid,
  accessRevoked,
  vaultNetworkBlocked,
];

/**
 * The policies whose identity the changes give its access back: before them the picture shows why Key Vault refuses
 * its calls, after them nothing does, so Power Platform's next call succeeds and the refusals stop. Their refusals are
 * dropped from the picture after (its key-access-failing then clears); returns those policies' lower-case ids.
 */
export function endRefusals(before: Picture, after: Picture, now: Date, options: RuleOptions): Set<string> {
  const ended = new Set<string>();
  for (const link of after.links) {
    const id = link.policy?.id.toLowerCase();
    const chain = id ? after.chains.get(id) : undefined;
    const was = id ? before.chains.get(id) : undefined;
    if (!id || !chain?.refusals?.length || !was) continue;
    const environment: Environment = { id: link.environmentId, ...link.environment, policyId: link.policyId };
    if (refused(was, environment, now, options) && !refused(chain, environment, now, options)) {
      chain.refusals = [];
      ended.add(id);
    }
  }
  return ended;
}

/** What a prediction that clears key-access-failing assumes. */
export function refusalsEndCondition(options: RuleOptions): string {
  return (
    "key-access-failing clears only once Power Platform's next call with the key succeeds: the monitor drops it when " +
    `no refused call has reached the audit hub for ${options.refusalQuietMinutes} minutes and it has read the chain back.`
  );
}

function refused(chain: Chain, environment: Environment, now: Date, options: RuleOptions): boolean {
  return refusing.some((rule) => rule({ environment, chain, now, options }) !== null);
}
