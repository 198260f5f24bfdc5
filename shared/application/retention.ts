import { dayMs } from '../domain/days.js';
import type { EventPort, OutboxPort, StatusPort } from './ports/stores.js';

/** How long each kind of record is kept, in days (the RETAIN_* settings). */
export interface RetentionAges {
  historyDays: number;
  rejectedEventsDays: number;
  eventCountsDays: number;
  sentAlertsDays: number;
}

export const defaultRetention: RetentionAges = {
  historyDays: 400,
  rejectedEventsDays: 30,
  eventCountsDays: 90,
  sentAlertsDays: 90,
};

export interface RetentionDependencies {
  statuses: Pick<StatusPort, 'trimHistory'>;
  events: Pick<EventPort, 'compactCounts' | 'trim'>;
  alerts: Pick<OutboxPort, 'trimDelivered'>;
  ages: RetentionAges;
}

export interface Trimmed {
  history: number;
  /** Rejected events and daily counts. */
  events: number;
  alerts: number;
  /** One-row-per-event counts folded into their day's total. */
  countsFolded: number;
}

/**
 * Deletes what is older than its settable age: status history, rejected events, event counts, alerts sent or given
 * up. Current statuses, alerts waiting to be sent and the incident ledger are never touched. Safe to run twice or
 * on two instances at once: a row another run deleted first is no error.
 */
export async function trimStores(deps: RetentionDependencies, now = new Date()): Promise<Trimmed> {
  const ago = (days: number) => new Date(now.getTime() - days * dayMs);
  const countsFolded = await deps.events.compactCounts(now);
  const [history, events, alerts] = await Promise.all([
    deps.statuses.trimHistory(ago(deps.ages.historyDays)),
    deps.events.trim(ago(deps.ages.rejectedEventsDays), ago(deps.ages.eventCountsDays)),
    deps.alerts.trimDelivered(ago(deps.ages.sentAlertsDays)),
  ]);
  return { history, events, alerts, countsFolded };
}
