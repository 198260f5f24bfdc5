import type { AlertRun } from './alerting.js';
import type { EnvironmentStatus } from '../domain/environmentStatus.js';
import type { ChainHint } from './hint.js';
import type { Reevaluation } from './reevaluate.js';

/** The two steps an event sets off, each a use case over its own ports (reevaluate.ts, alerting.ts). */
export interface ReevaluateThenAlertDependencies {
  /** Re-reads what the hint names and re-evaluates the environments behind it. */
  reevaluate(hint: ChainHint, source: string): Promise<Reevaluation>;
  /** Decides the alerts of the key chains of `scope` (the statuses the re-evaluation left), records and sends them. */
  alert(log: (message: string) => void, now: Date | undefined, scope: EnvironmentStatus[]): Promise<AlertRun>;
}

export interface ReevaluationOutcome {
  environments: number;
  changed: number;
  /** The alerts decided for what changed; null when nothing changed or they could not be decided. */
  alerts: AlertRun | null;
  /** Why the alerts could not be decided now (the alertDelivery timer decides them); null otherwise. */
  alertsError: string | null;
}

/**
 * What an event sets off: re-read the part of the chain its hint names, re-evaluate the environments behind it, and
 * decide the alerts for those whose status changed. Statuses are committed before the alerts are decided, so an
 * alert step that fails is no failed event: the alertDelivery timer decides it again.
 */
export async function reevaluateThenAlert(
  deps: ReevaluateThenAlertDependencies,
  hint: ChainHint,
  source: string,
  log: (message: string) => void,
): Promise<ReevaluationOutcome> {
  const result = await deps.reevaluate(hint, source);
  const evaluated = { environments: result.environments, changed: result.changed };
  if (!result.changed) return { ...evaluated, alerts: null, alertsError: null };
  try {
    return { ...evaluated, alerts: await deps.alert(log, undefined, result.statuses), alertsError: null };
  } catch (error) {
    return { ...evaluated, alerts: null, alertsError: error instanceof Error ? error.message : String(error) };
  }
}
