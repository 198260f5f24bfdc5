import type { TableClient } from '@azure/data-tables';
import { getOrNull } from './tables.js';
import type { ScanPort, ScanRecord } from '../../application/ports/stores.js';

const partitionKey = 'scan';
const rowKey = 'last';
const auditPartitionKey = 'audit';

/** The monitor's heartbeats: when the last scan finished and what it found, and when audit records last came. */
export class ScanStore implements ScanPort {
  constructor(private readonly table: TableClient) {}

  /** The last scan's record, with the ETag that changes with every scan. */
  async last(): Promise<(ScanRecord & { etag: string }) | null> {
    const row = await getOrNull<{ at: string; summary: string }>(this.table, partitionKey, rowKey);
    return row && { at: row.at, summary: JSON.parse(row.summary) as unknown, etag: row.etag };
  }

  async record(scan: ScanRecord): Promise<void> {
    await this.table.upsertEntity({ partitionKey, rowKey, at: scan.at, summary: JSON.stringify(scan.summary) }, 'Replace');
  }

  /** When the last batch of Key Vault audit records was handled; null when none ever came. */
  async lastAudit(): Promise<string | null> {
    return (await getOrNull<{ at: string }>(this.table, auditPartitionKey, rowKey))?.at ?? null;
  }

  async recordAudit(at: string): Promise<void> {
    await this.table.upsertEntity({ partitionKey: auditPartitionKey, rowKey, at }, 'Replace');
  }
}
