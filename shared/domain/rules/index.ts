import { accessRevokedRule } from './accessRevoked.js';
import { environmentNotEligibleRule } from './environmentNotEligible.js';
import { environmentStillDisabledRule } from './environmentStillDisabled.js';
import { eventsNotWiredRule } from './eventsNotWired.js';
import { keyAccessFailingRule } from './keyAccessFailing.js';
import { keyDisabledRule } from './keyDisabled.js';
import { keyExpiredRule } from './keyExpired.js';
import { keyExpiringRule } from './keyExpiring.js';
import { keyMissingRule } from './keyMissing.js';
import { keyNoExpiryRule } from './keyNoExpiry.js';
import { keyNotYetValidRule } from './keyNotYetValid.js';
import { keyTypeUnsupportedRule } from './keyTypeUnsupported.js';
import { linkFailedRule } from './linkFailed.js';
import { linkPendingRule } from './linkPending.js';
import { monitorBlindRule } from './monitorBlind.js';
import { policyUnhealthyRule } from './policyUnhealthy.js';
import { previousVersionDisabledEarlyRule } from './previousVersionDisabledEarly.js';
import { regionMismatchRule } from './regionMismatch.js';
import { ruleIds, type RuleId } from '../ruleIds.js';
import type {
  AfterChainRuleDefinition,
  Alerting,
  ChainRuleDefinition,
  LinkRuleDefinition,
  RuleDefinition,
  Side,
} from './rule.js';
import { unlinkedChainBrokenRule } from './unlinkedChainBroken.js';
import { vaultNetworkBlockedRule } from './vaultNetworkBlocked.js';
import { vaultRecoveryOffRule } from './vaultRecoveryOff.js';

/** Every rule. Findings of the same severity are listed in this order, and the rules of a chain are evaluated in it. */
export const ruleDefinitions = [
  keyAccessFailingRule,
  keyExpiredRule,
  keyExpiringRule,
  keyDisabledRule,
  keyMissingRule,
  keyNotYetValidRule,
  keyTypeUnsupportedRule,
  vaultRecoveryOffRule,
  accessRevokedRule,
  previousVersionDisabledEarlyRule,
  unlinkedChainBrokenRule,
  vaultNetworkBlockedRule,
  regionMismatchRule,
  environmentNotEligibleRule,
  keyNoExpiryRule,
  monitorBlindRule,
  linkFailedRule,
  linkPendingRule,
  policyUnhealthyRule,
  environmentStillDisabledRule,
  eventsNotWiredRule,
] as const satisfies readonly RuleDefinition[];

export { ruleIds, type RuleId };

const definitions: readonly RuleDefinition[] = ruleDefinitions;

/** What an admin does to clear each finding. */
export const remedies = tableOf((rule) => rule.remedy);

/** Whose duty each rule's findings are. */
export const sides = tableOf<Side>((rule) => rule.duty);

/** When each rule's findings alert. */
export const alertings = tableOf<Alerting>((rule) => rule.alerting);

/** The rules evaluated on a chain, in list order. */
export const chainRuleDefinitions = definitions.filter((rule): rule is ChainRuleDefinition => rule.kind === 'chain');

/** The rules evaluated on a link that did not fail, after its chain. */
export const linkRuleDefinitions = definitions.filter((rule): rule is LinkRuleDefinition => rule.kind === 'link');

/** The rules evaluated on a link that did not fail, last, on its chain's findings. */
export const afterChainRuleDefinitions = definitions.filter(
  (rule): rule is AfterChainRuleDefinition => rule.kind === 'afterChain',
);

/** The rules whose findings on the chain an environment left make its restores fail. */
export const restoreBreakers: ReadonlySet<RuleId> = new Set(
  chainRuleDefinitions.filter((rule) => rule.breaksRestores).map((rule) => rule.id),
);

function tableOf<T>(valueOf: (rule: RuleDefinition) => T): Record<RuleId, T> {
  return Object.fromEntries(definitions.map((rule) => [rule.id, valueOf(rule)])) as Record<RuleId, T>;
}
