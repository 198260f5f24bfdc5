import { dayMs, daysUntil } from './days.js';
import type { Evaluation, Status } from './model.js';

/** Days before `deletionAt` at which an environment still down is alerted again. */
export const deletionReminderDays = [3, 1];

/**
 * Microsoft, "Lock and unlock environments through key vault access"
 * (https://learn.microsoft.com/power-platform/admin/cmk-lock-unlock): "Locked sandbox environments are deleted after
 * seven days and production environments are deleted after 30 days if key access isn't restored." The page names no
 * other environment type; those get the shorter window.
 */
export function deletionWindowDays(sku: string): number {
  return sku.trim().toLowerCase() === 'production' ? 30 : 7;
}

export interface DeletionClock {
  /** The best known start of the outage; null when the environment is not in outage. */
  lockedSince: string | null;
  /** When Microsoft deletes the environment unless key access is restored; null when not in outage. */
  deletionAt: string | null;
}

/** What the clock needs of the stored status: whether it was already down, and since when. */
export interface LockedBefore {
  status: Status;
  since: string;
  lockedSince: string | null;
}

/**
 * The key's expiry for `key-expired`, otherwise when the monitor first saw the outage (the stored `lockedSince`, or
 * `since` of a status written before there was one), whichever is earlier; `at` when the outage is new.
 */
export function deletionClock(
  evaluation: Evaluation,
  sku: string,
  previous: LockedBefore | null,
  at: string,
): DeletionClock {
  if (evaluation.status !== 'outage') return { lockedSince: null, deletionAt: null };
  const firstSeen = previous?.status === 'outage' ? (previous.lockedSince ?? previous.since) : at;
  const expiredOn = evaluation.findings.find((finding) => finding.rule === 'key-expired')?.dueAt ?? null;
  const lockedSince = expiredOn && Date.parse(expiredOn) < Date.parse(firstSeen) ? expiredOn : firstSeen;
  return { lockedSince, deletionAt: new Date(Date.parse(lockedSince) + deletionWindowDays(sku) * dayMs).toISOString() };
}

/** How the dashboard and the alerts say it: "deleted on 2026-12-09 in 7 days unless access is restored". */
export function deletionNotice(deletionAt: string, now: Date): string {
  const date = deletionAt.slice(0, 10);
  const days = daysUntil(deletionAt, now);
  if (days < 0)
    return `due for deletion on ${date} (${-days} day${days === -1 ? '' : 's'} ago) unless access is restored`;
  return `deleted on ${date} ${days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`} unless access is restored`;
}
