import type { EnvironmentStatus } from '../domain/environmentStatus.js';
import { statuses, type Status } from '../domain/model.js';
import type { ScanRecord } from '../store/scanStore.js';

/** `GET /api/health`: the monitor answers, when it last scanned, and what it holds. */
export interface HealthView {
  status: 'ok';
  /** When the last scan finished; null before the first one. */
  lastScanAt: string | null;
  /** Environments with a stored status. */
  environments: number;
  byStatus: Record<Status, number>;
  /** The last scan's summary as it recorded it; null before the first scan. */
  lastScan: unknown;
}

export function toHealthView(stored: Iterable<EnvironmentStatus>, last: ScanRecord | null): HealthView {
  const byStatus = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<Status, number>;
  let environments = 0;
  for (const { status } of stored) {
    environments++;
    if (status in byStatus) byStatus[status]++;
  }
  return { status: 'ok', lastScanAt: last?.at ?? null, environments, byStatus, lastScan: last?.summary ?? null };
}
