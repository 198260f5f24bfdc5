import type { Delivery } from '../application/ports/stores.js';
import { blindSpotCodes, type BlindSpot } from '../application/sight.js';
import type { EnvironmentStatus } from '../domain/environmentStatus.js';
import { countByStatus } from '../domain/model.js';
import { ruleIds } from '../domain/ruleIds.js';
import { record } from './instruments.js';

// Every gauge is set for each value of its attribute, zero included, so that a count that fell to none reads 0, not
// its last non-zero value.

/** Environments by status, as `/api/health` counts the stored statuses, and their open findings by rule. */
export function reportStatuses(stored: Iterable<EnvironmentStatus>): void {
  const all = [...stored];
  for (const [status, count] of Object.entries(countByStatus(all))) record('environments', count, { status });
  const byRule = new Map<string, number>(ruleIds.map((rule) => [rule, 0]));
  for (const finding of all.flatMap((status) => status.findings))
    byRule.set(finding.rule, (byRule.get(finding.rule) ?? 0) + 1);
  for (const [rule, count] of byRule) record('findings', count, { rule });
}

export function reportBlindSpots(spots: BlindSpot[]): void {
  for (const code of blindSpotCodes) record('blindSpots', spots.filter((spot) => spot.code === code).length, { code });
}

/** The outbox: deliveries waiting on each channel (the chosen ones, and any a past choice left), and the oldest's age. */
export function reportWaiting(waiting: Delivery[], channels: string[], now: Date): void {
  for (const channel of new Set([...channels, ...waiting.map((delivery) => delivery.channel)])) {
    const mine = waiting.filter((delivery) => delivery.channel === channel);
    const oldest = mine.reduce<string | null>(
      (first, delivery) => (first === null || delivery.decidedAt < first ? delivery.decidedAt : first),
      null,
    );
    record('alertsWaiting', mine.length, { channel });
    record('oldestWaitingAlert', oldest ? Math.max(0, (now.getTime() - Date.parse(oldest)) / 1000) : 0, { channel });
  }
}

/** Seconds since the last batch of audit records came, or since `since` (this process's start) when none ever did. */
export function reportAuditSilence(lastBatchAt: string | null, since: Date, now: Date): void {
  const from = lastBatchAt ? Date.parse(lastBatchAt) : since.getTime();
  record('auditLag', Math.max(0, Math.round((now.getTime() - from) / 1000)));
}

export function reportScan(outcome: 'success' | 'failure', durationMs: number, finishedAt: Date): void {
  record('scans', 1, { outcome });
  record('scanDuration', durationMs / 1000, { outcome });
  if (outcome === 'success') record('lastSuccessfulScan', Math.round(finishedAt.getTime() / 1000));
}
