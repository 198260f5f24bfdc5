import { daysUntil } from '../domain/days.js';
import type { Incident } from './model.js';

/**
 * The rung an incident stands on: for key-expiring the nearest threshold at or above the days left (past the last
 * one it stays on the last), 0 for what alerts at once, null while the expiry is further than the first threshold.
 */
export function levelOf(incident: Incident, now: Date, thresholdsDays: number[]): number | null {
  if (incident.rule !== 'key-expiring') return 0;
  if (!incident.dueAt) return null;
  const daysLeft = daysUntil(incident.dueAt, now);
  const reached = thresholdsDays.filter((threshold) => daysLeft <= threshold);
  return reached.length ? Math.min(...reached) : null;
}
