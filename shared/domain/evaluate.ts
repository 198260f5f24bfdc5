import { severities } from './model.js';
import type { Chain, Environment, Evaluation, Finding, Status, Unlink } from './model.js';
import { ruleIds } from './rules/index.js';
import { linkedFindings, unlinkedChainBroken } from './rules/judge.js';
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
  return { status: statusOf(findings), findings, outageAt: outageAtOf(findings) };
}

/** Severity descending, then the order of `ruleIds`. */
function byUrgency(a: Finding, b: Finding): number {
  return severities.indexOf(b.severity) - severities.indexOf(a.severity) || ruleIds.indexOf(a.rule) - ruleIds.indexOf(b.rule);
}

function statusOf(findings: Finding[]): Status {
  const has = (predicate: (f: Finding) => boolean) => findings.some(predicate);
  if (has((f) => f.severity === 'outage')) return 'outage';
  if (has((f) => f.rule === 'monitor-blind')) return 'unknown';
  if (has((f) => f.severity === 'critical')) return 'critical';
  if (has((f) => f.severity === 'warning')) return 'warning';
  return 'healthy';
}

/** The earliest known date an outage started or is predicted (an expiring key). */
function outageAtOf(findings: Finding[]): string | null {
  const dates = findings
    .filter((f) => f.severity === 'outage' || f.rule === 'key-expiring')
    .flatMap((f) => (f.dueAt ? [f.dueAt] : []));
  if (!dates.length) return null;
  return dates.reduce((earliest, date) => (Date.parse(date) < Date.parse(earliest) ? date : earliest));
}
