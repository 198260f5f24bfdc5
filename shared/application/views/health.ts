import { coverageLine, type EventCoverageSummary } from '../../domain/eventCoverage.js';
import type { EnvironmentStatus } from '../../domain/environmentStatus.js';
import { countByStatus, type Status } from '../../domain/model.js';
import type { Delivery, ScanFailure, ScanRecord } from '../ports/stores.js';
import type { BlindSpot } from '../sight.js';

/** `GET /api/health`: the monitor answers, what it cannot see, when it last scanned, and what it holds. */
export interface HealthView {
  /** `degraded` while the monitor cannot see part of the tenant: then `degraded` says what and why. */
  status: 'ok' | 'degraded';
  degraded: BlindSpot[];
  /** When the last scan finished; null before the first one. */
  lastScanAt: string | null;
  /** Environments with a stored status. */
  environments: number;
  byStatus: Record<Status, number>;
  /** The last scan's summary as it recorded it; null before the first scan. */
  lastScan: unknown;
  /** Whether the vaults' events reach the monitor, as the last scan found; null before the first scan or when not read. */
  events: (EventCoverageSummary & { text: string }) | null;
  alerts: WaitingAlerts;
  /** When the last batch of Key Vault audit records came (keyVaultAuditEvents); null when none ever did. */
  audit: { lastBatchAt: string | null };
}

/** Deliveries recorded but not yet made: while a channel is down they wait here, and the oldest says for how long. */
export interface WaitingAlerts {
  waiting: number;
  oldest: { subject: string; channel: string; decidedAt: string; attempts: number; lastError: string | null } | null;
}

/** `waiting`: the outbox's unsent deliveries, oldest first. */
export function waitingAlertsOf(waiting: Delivery[]): WaitingAlerts {
  const [oldest] = waiting;
  return {
    waiting: waiting.length,
    oldest: oldest
      ? {
          subject: oldest.subject,
          channel: oldest.channel,
          decidedAt: oldest.decidedAt,
          attempts: oldest.attempts,
          lastError: oldest.lastError,
        }
      : null,
  };
}

/** The event coverage a scan summary recorded; null when it has none. */
export function eventCoverageOf(summary: unknown, scanIntervalMs: number | null): HealthView['events'] {
  const events = (summary as { events?: Partial<EventCoverageSummary> | null } | null)?.events;
  if (!events || typeof events.covered !== 'number' || typeof events.vaults !== 'number') return null;
  const names = (value: unknown) =>
    Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : [];
  const coverage = {
    covered: events.covered,
    vaults: events.vaults,
    notCovered: names(events.notCovered),
    unknown: names(events.unknown),
    timerOnly: names(events.timerOnly),
  };
  return { ...coverage, text: coverageLine(coverage, everyText(scanIntervalMs)) };
}

/** "every hour", "every 6 hours", "every 15 minutes"; null when the interval is not known. */
export function everyText(intervalMs: number | null): string | null {
  if (!intervalMs) return null;
  const minutes = Math.round(intervalMs / 60_000);
  if (minutes % 1440 === 0) return minutes === 1440 ? 'every day' : `every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? 'every hour' : `every ${minutes / 60} hours`;
  return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
}

/**
 * What the monitor cannot see: a last scan that failed after the last that finished, and the blind spots that scan
 * recorded. A summary written before blind spots were recorded has none.
 */
export function blindSpotsNow(last: ScanRecord | null, failure: ScanFailure | null): BlindSpot[] {
  const recorded = (last?.summary as { blindSpots?: unknown } | null)?.blindSpots;
  const spots = Array.isArray(recorded) ? recorded.filter(isBlindSpot) : [];
  return failure && (!last || failure.at >= last.at)
    ? [{ code: 'scan-failed', reason: `Scan at ${failure.at}: ${failure.reason}` }, ...spots]
    : spots;
}

function isBlindSpot(value: unknown): value is BlindSpot {
  const spot = value as Partial<BlindSpot> | null;
  return typeof spot?.code === 'string' && typeof spot.reason === 'string';
}

export function toHealthView(
  stored: Iterable<EnvironmentStatus>,
  last: ScanRecord | null,
  scanIntervalMs: number | null = null,
  waiting: Delivery[] = [],
  lastAuditAt: string | null = null,
  failure: ScanFailure | null = null,
): HealthView {
  const all = [...stored];
  const byStatus = countByStatus(all);
  const environments = all.length;
  const degraded = blindSpotsNow(last, failure);
  return {
    status: degraded.length ? 'degraded' : 'ok',
    degraded,
    lastScanAt: last?.at ?? null,
    environments,
    byStatus,
    lastScan: last?.summary ?? null,
    events: eventCoverageOf(last?.summary ?? null, scanIntervalMs),
    alerts: waitingAlertsOf(waiting),
    audit: { lastBatchAt: lastAuditAt },
  };
}
