import type { Finding } from '../model.js';
import { afterChainRuleDefinitions, chainRuleDefinitions, linkRuleDefinitions, restoreBreakers } from './index.js';
import { linkFailedRule } from './linkFailed.js';
import type { ChainRule, RuleContext, UnlinkContext } from './rule.js';
import { unlinkedChainBrokenRule } from './unlinkedChainBroken.js';

/** The rules evaluated on a linked chain, in `ruleIds` order. */
export const chainRules: readonly ChainRule[] = chainRuleDefinitions.map((rule) => rule.check);

/** The environment's own rules, evaluated even when a failed link keeps the key from protecting it. */
const environmentRules = chainRuleDefinitions
  .filter((rule) => rule.duty === 'environmentSide')
  .map((rule) => rule.check);
const keySideRules = chainRules.filter((rule) => !environmentRules.includes(rule));
const linkRules = linkRuleDefinitions.map((rule) => rule.check);
const afterChainRules = afterChainRuleDefinitions.map((rule) => rule.check);

export function chainFindings(ctx: RuleContext): Finding[] {
  return findingsOf(chainRules, ctx);
}

/** link-failed, naming the problems of the chain's key side as likely causes. */
export function linkFailed(ctx: RuleContext): Finding | null {
  return linkFailedRule.check(ctx, (keySide) => findingsOf(keySideRules, keySide));
}

/**
 * The findings of a linked environment. A failed link, or one of a status the monitor does not know, leaves the
 * environment outside the key's protection (Microsoft: "if it fails, your data continues to be encrypted with
 * Microsoft managed key"): the chain cannot take it down, so only the link and the environment are evaluated, and the
 * chain's problems are named in link-failed as likely causes. A pending link is evaluated on the whole chain: linking
 * needs the key to complete, and until unlinking completes the key still protects the data. What Power Platform
 * reports of the environment itself is evaluated last, on the chain's findings.
 */
export function linkedFindings(ctx: RuleContext): Finding[] {
  const failed = linkFailed(ctx);
  if (failed) return [failed, ...findingsOf(environmentRules, ctx)];
  const chain = chainFindings(ctx);
  const afterChain = afterChainRules
    .map((rule) => rule(ctx, chain))
    .filter((found): found is Finding => found !== null);
  return [...chain, ...findingsOf(linkRules, ctx), ...afterChain];
}

/** unlinked-chain-broken, on the old chain's findings that break restores. */
export function unlinkedChainBroken(ctx: UnlinkContext): Finding | null {
  return unlinkedChainBrokenRule.check(ctx, (oldChain) =>
    chainFindings(oldChain).filter((f) => restoreBreakers.has(f.rule)),
  );
}

function findingsOf(rules: readonly ChainRule[], ctx: RuleContext): Finding[] {
  return rules.map((rule) => rule(ctx)).filter((found): found is Finding => found !== null);
}
