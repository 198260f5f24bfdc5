import type { TableClient } from '@azure/data-tables';
import { getOrNull, writeOver } from './tables.js';
import type { ScanFailure, ScanPort, ScanRecord, SightRecord, Versioned } from '../../application/ports/stores.js';

const partitionKey = 'scan';
const rowKey = 'last';
const failureRowKey = 'failed';
const auditPartitionKey = 'audit';
const sightPartitionKey = 'sight';

/** The monitor's heartbeats: when the last scan finished and what it found, and when audit records last came. */
export class ScanStore implements ScanPort {
  constructor(private readonly table: TableClient) {}

  /** The last scan's record, with the ETag that changes with every scan. */
  async last(): Promise<(ScanRecord & { etag: string }) | null> {
    const row = await getOrNull<{ at: string; summary: string }>(this.table, partitionKey, rowKey);
    return row && { at: row.at, summary: JSON.parse(row.summary) as unknown, etag: row.etag };
  }

  async record(scan: ScanRecord): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey, rowKey, at: scan.at, summary: JSON.stringify(scan.summary) },
      'Replace',
    );
  }

  async recordFailure(failure: ScanFailure): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey, rowKey: failureRowKey, at: failure.at, reason: failure.reason.slice(0, 4_000) },
      'Replace',
    );
  }

  async lastFailure(): Promise<ScanFailure | null> {
    const row = await getOrNull<{ at: string; reason: string }>(this.table, partitionKey, failureRowKey);
    return row && { at: row.at, reason: row.reason };
  }

  async sight(): Promise<Versioned<SightRecord> | null> {
    const row = await getOrNull<{
      generation: number;
      degraded: boolean;
      since: string;
      codes: string;
      reasons: string;
    }>(this.table, sightPartitionKey, rowKey);
    return (
      row && {
        etag: row.etag,
        value: {
          generation: row.generation,
          degraded: row.degraded,
          since: row.since,
          codes: JSON.parse(row.codes) as string[],
          reasons: JSON.parse(row.reasons) as string[],
        },
      }
    );
  }

  async saveSight(next: SightRecord, previous: Versioned<SightRecord> | null): Promise<boolean> {
    const entity = {
      partitionKey: sightPartitionKey,
      rowKey,
      ...next,
      codes: JSON.stringify(next.codes),
      reasons: JSON.stringify(next.reasons),
    };
    return writeOver(this.table, entity, previous?.etag);
  }

  /** When the last batch of Key Vault audit records was handled; null when none ever came. */
  async lastAudit(): Promise<string | null> {
    return (await getOrNull<{ at: string }>(this.table, auditPartitionKey, rowKey))?.at ?? null;
  }

  async recordAudit(at: string): Promise<void> {
    await this.table.upsertEntity({ partitionKey: auditPartitionKey, rowKey, at }, 'Replace');
  }
}
