import type { TableClient } from '@azure/data-tables';
import { isNotFound } from './tables.js';

const partitionKey = 'scan';
const rowKey = 'last';

export interface ScanRecord {
  at: string;
  summary: unknown;
}

/** The monitor's heartbeat: when the last scan finished and what it found. */
export class ScanStore {
  constructor(private readonly table: TableClient) {}

  async last(): Promise<ScanRecord | null> {
    try {
      const row = await this.table.getEntity<{ at: string; summary: string }>(partitionKey, rowKey);
      return { at: row.at, summary: JSON.parse(row.summary) as unknown };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async record(scan: ScanRecord): Promise<void> {
    await this.table.upsertEntity({ partitionKey, rowKey, at: scan.at, summary: JSON.stringify(scan.summary) }, 'Replace');
  }
}
