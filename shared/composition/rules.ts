import type { Config } from '../config.js';
import { defaultRuleOptions, type RuleOptions } from '../domain/rules/rule.js';

export function ruleOptionsOf(config: Config): RuleOptions {
  return {
    ...defaultRuleOptions,
    expiringWithinDays: config.expiringWithinDays,
    refusalQuietMinutes: config.refusalQuietMinutes,
  };
}

/** The vaults the last scan found not wired, as `withEvents` takes them. */
export function eventCoverageOf(summary: unknown): { vaultName: string; coverage: 'not-covered' }[] {
  const notCovered = (summary as { events?: { notCovered?: unknown } } | null)?.events?.notCovered;
  return Array.isArray(notCovered)
    ? notCovered
        .filter((name): name is string => typeof name === 'string')
        .map((vaultName) => ({ vaultName, coverage: 'not-covered' as const }))
    : [];
}
