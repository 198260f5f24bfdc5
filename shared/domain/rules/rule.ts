import type { Chain, Environment, Finding, RuleId, Severity, Unlink } from '../model.js';

export interface RuleOptions {
  /** key-expiring fires when the current version expires within this many days. */
  expiringWithinDays: number;
  /** key-expiring is critical (not warning) within this many days. */
  criticalWithinDays: number;
  /** key-access-failing holds until a policy identity's calls have not been refused for this many minutes. */
  refusalQuietMinutes: number;
}

export const defaultRuleOptions: RuleOptions = {
  expiringWithinDays: 30,
  criticalWithinDays: 7,
  refusalQuietMinutes: 30,
};

export interface RuleContext {
  environment: Environment;
  chain: Chain;
  now: Date;
  options: RuleOptions;
  /** When the monitor first saw the environment's current link status; absent or null when unknown. */
  linkStatusSince?: Date | null;
}

export interface UnlinkContext {
  environment: Environment;
  unlink: Unlink;
  now: Date;
  options: RuleOptions;
}

export type ChainRule = (ctx: RuleContext) => Finding | null;

/** Evaluates a chain on a set of rules, in list order. */
export type ChainEvaluator = (ctx: RuleContext) => Finding[];

/** Who can act on a finding (docs/domain.md, "Separation of duties"). */
export type Duty = 'keyvault' | 'powerplatform';

/** Whose duty a rule's findings are: key vault admins, Power Platform admins, or both. An outage reaches both. */
export type Side = 'keyVaultSide' | 'environmentSide' | 'bothSides';

/**
 * When a rule's findings alert: at once when critical or worse (warnings wait for the daily digest), at once
 * whatever their severity, or on the ladder of days before their due date.
 */
export type Alerting = 'atOnceWhenCritical' | 'atOnce' | 'ladder';

interface Traits {
  id: RuleId;
  /** The severity of every finding of the rule; absent when it varies. */
  severity?: Severity;
  /** What an admin does to clear a finding. */
  remedy: string;
  duty: Side;
  alerting: Alerting;
}

/** Evaluated on the chain of a linked environment, and on the chain an environment left. */
export interface ChainRuleDefinition extends Traits {
  kind: 'chain';
  check: ChainRule;
  /** Its findings on the chain an environment left make restores of that environment fail. */
  breaksRestores?: true;
}

/** Evaluated on the link of an environment whose link did not fail, after its chain. */
export interface LinkRuleDefinition extends Traits {
  kind: 'link';
  check: ChainRule;
}

/** Evaluated on a link that did not fail, after its chain and given the chain's findings. */
export interface AfterChainRuleDefinition extends Traits {
  kind: 'afterChain';
  check: (ctx: RuleContext, chainFindings: Finding[]) => Finding | null;
}

/** Evaluated on a failed link, given the evaluator of the chain's key side to name likely causes. */
export interface FailedLinkRuleDefinition extends Traits {
  kind: 'failedLink';
  check: (ctx: RuleContext, evaluateKeySide: ChainEvaluator) => Finding | null;
}

/** Evaluated on the chain an environment left, given the evaluator of its restore-breaking rules. */
export interface UnlinkRuleDefinition extends Traits {
  kind: 'unlink';
  check: (ctx: UnlinkContext, evaluateRestoreBreakers: ChainEvaluator) => Finding | null;
}

export type RuleDefinition =
  ChainRuleDefinition | LinkRuleDefinition | AfterChainRuleDefinition | FailedLinkRuleDefinition | UnlinkRuleDefinition;

/** A rule as written, its id and severity kept literal: `finding` takes the severity from it. */
export function defineRule<const Definition extends RuleDefinition>(definition: Definition): Definition {
  return definition;
}
