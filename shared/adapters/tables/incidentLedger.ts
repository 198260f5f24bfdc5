import type { TableClient } from '@azure/data-tables';
import type { IncidentRecord } from '../../domain/alerts/model.js';
import { writeOver } from './tables.js';
import type { LedgerPort, Versioned } from '../../application/ports/stores.js';

type RecordEntity = {
  partitionKey: string;
  rowKey: string;
  incidentId: string;
  generation: number;
  level?: number;
  openedAt: string;
  resolvedAt?: string;
  lastAlert?: string;
  /** JSON of the incident's `Membership`. */
  membership?: string;
};

const ledger = 'incident';

/** The alert ledger, in the Alerts table: one row per incident, the last level alerted, written under ETags. */
export class IncidentLedger implements LedgerPort {
  constructor(private readonly table: TableClient) {}

  async records(): Promise<Map<string, Versioned<IncidentRecord>>> {
    const records = new Map<string, Versioned<IncidentRecord>>();
    for await (const row of this.table.listEntities<RecordEntity>({
      queryOptions: { filter: `PartitionKey eq '${ledger}'` },
    })) {
      records.set(row.incidentId, {
        etag: row.etag,
        value: {
          incidentId: row.incidentId,
          generation: row.generation,
          level: row.level ?? null,
          openedAt: row.openedAt,
          resolvedAt: row.resolvedAt ?? null,
          ...(row.lastAlert && { lastAlert: JSON.parse(row.lastAlert) as IncidentRecord['lastAlert'] }),
          ...(row.membership && { membership: JSON.parse(row.membership) as IncidentRecord['membership'] }),
        },
      });
    }
    return records;
  }

  /** Writes a record over the version read (or creates it); false when another instance changed it first. */
  async saveRecord(record: IncidentRecord, previous: Versioned<IncidentRecord> | undefined): Promise<boolean> {
    const entity: RecordEntity = {
      partitionKey: ledger,
      rowKey: encodeURIComponent(record.incidentId),
      incidentId: record.incidentId,
      generation: record.generation,
      openedAt: record.openedAt,
      ...(record.level !== null && { level: record.level }),
      ...(record.resolvedAt && { resolvedAt: record.resolvedAt }),
      ...(record.lastAlert && { lastAlert: JSON.stringify(record.lastAlert) }),
      ...(record.membership && { membership: JSON.stringify(record.membership) }),
    };
    return writeOver(this.table, entity, previous?.etag);
  }
}
