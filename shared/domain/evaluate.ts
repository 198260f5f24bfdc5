import { severities } from './model.js';
import type { Chain, Environment, Evaluation, Finding, Status, Unlink } from './model.js';
import { ruleIds } from './ruleIds.js';
import { linkedFindings, unlinkedChainBroken } from './rules/findings.js';
import { defaultRuleOptions, type RuleOptions } from './rules/rule.js';

export interface EvaluationInput {
  environment: Environment;
  /** The chain of the policy the environment is linked to; null when it is not linked. */
  chain: Chain | null;
  /** The policy the environment recently left, if any. */
  unlink: Unlink | null;
  /** When the monitor first saw the environment's current link status; absent or null when unknown. */
  linkStatusSince?: Date | null;
}

export function evaluate(input: EvaluationInput, now: Date, options: RuleOptions = defaultRuleOptions): Evaluation {
  const { environment, chain, unlink, linkStatusSince = null } = input;
  const linked = chain ? linkedFindings({ environment, chain, now, options, linkStatusSince }) : [];
  const unlinked = unlink ? unlinkedChainBroken({ environment, unlink, now, options }) : null;
  const findings = [...linked, ...(unlinked ? [unlinked] : [])].sort(byUrgency);
  return { status: statusOf(findings), findings, outageAt: outageAtOf(findings, now) };
}

/** Severity descending, then the order of `ruleIds`. */
function byUrgency(a: Finding, b: Finding): number {
  return (
    severities.indexOf(b.severity) - severities.indexOf(a.severity) || ruleIds.indexOf(a.rule) - ruleIds.indexOf(b.rule)
  );
}

function statusOf(findings: Finding[]): Status {
  const has = (predicate: (f: Finding) => boolean) => findings.some(predicate);
  if (has((f) => f.severity === 'outage')) return 'outage';
  if (has((f) => f.rule === 'monitor-blind')) return 'unknown';
  if (has((f) => f.severity === 'critical')) return 'critical';
  if (has((f) => f.severity === 'warning')) return 'warning';
  return 'healthy';
}

/**
 * The earliest moment any outage finding takes effect: an outage finding is in force, so it counts from its date when
 * Key Vault gives one in the past (an expiry, a disabling) and from `now` otherwise (a revoked grant, a blocked
 * network, a date not yet come); an expiring key predicts one at its expiry.
 */
function outageAtOf(findings: Finding[], now: Date): string | null {
  const times = findings.flatMap((f) => {
    if (f.severity === 'outage') return [Math.min(f.dueAt ? Date.parse(f.dueAt) : now.getTime(), now.getTime())];
    return f.rule === 'key-expiring' && f.dueAt ? [Date.parse(f.dueAt)] : [];
  });
  return times.length ? new Date(Math.min(...times)).toISOString() : null;
}
