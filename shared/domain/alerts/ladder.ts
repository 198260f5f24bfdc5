import { daysUntil } from '../days.js';
import { deletionReminderDays } from '../deletionClock.js';
import { alertings } from '../rules/index.js';
import type { Incident } from './model.js';

/**
 * The rung an incident stands on: for a rule alerting on the ladder (key-expiring) the nearest threshold at or above the days left (past the last
 * one it stays on the last), null while the expiry is further than the first threshold; for an outage with a
 * deletion date the nearest reminder before deletion on the same terms, 0 before the first; 0 for what else alerts
 * at once.
 */
export function levelOf(incident: Incident, now: Date, thresholdsDays: number[]): number | null {
  if (alertings[incident.rule] === 'ladder') return incident.dueAt ? rungOf(incident.dueAt, now, thresholdsDays) : null;
  return incident.deletionAt ? (rungOf(incident.deletionAt, now, deletionReminderDays) ?? 0) : 0;
}

/** Whether `level` is further down the ladder than `previous`: fewer days left, or a first reminder after an alert sent at once. */
export function isPast(level: number, previous: number): boolean {
  return level > 0 && (previous === 0 || level < previous);
}

function rungOf(dueAt: string, now: Date, thresholdsDays: number[]): number | null {
  const daysLeft = daysUntil(dueAt, now);
  const reached = thresholdsDays.filter((threshold) => daysLeft <= threshold);
  return reached.length ? Math.min(...reached) : null;
}
