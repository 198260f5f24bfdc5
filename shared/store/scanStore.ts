import type { TableClient } from '@azure/data-tables';
import { getOrNull } from './tables.js';

const partitionKey = 'scan';
const rowKey = 'last';

export interface ScanRecord {
  at: string;
  summary: unknown;
}

/** The monitor's heartbeat: when the last scan finished and what it found. */
export class ScanStore {
  constructor(private readonly table: TableClient) {}

  /** The last scan's record, with the ETag that changes with every scan. */
  async last(): Promise<(ScanRecord & { etag: string }) | null> {
    const row = await getOrNull<{ at: string; summary: string }>(this.table, partitionKey, rowKey);
    return row && { at: row.at, summary: JSON.parse(row.summary) as unknown, etag: row.etag };
  }

  async record(scan: ScanRecord): Promise<void> {
    await this.table.upsertEntity({ partitionKey, rowKey, at: scan.at, summary: JSON.stringify(scan.summary) }, 'Replace');
  }
}
