import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import type { Alert, IncidentRecord } from '../alerts/model.js';
import type { Versioned } from './statusStore.js';
import { deleteWhere, isConflict } from './tables.js';

/** Table Storage keeps strings up to 64 KiB (32 K UTF-16 characters). */
const maxChars = 30_000;
const maxListedEnvironments = 200;

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** An alert in the outbox: recorded before it is sent, marked after, retried until sent or given up. */
export interface OutboxEntry {
  alertId: string;
  kind: Alert['kind'] | 'digest';
  incidentId: string;
  rule: string;
  severity: string;
  subject: string;
  text: string;
  html: string;
  recipients: string[];
  environments: { id: string; displayName: string }[];
  environmentCount: number;
  status: DeliveryStatus;
  attempts: number;
  decidedAt: string;
  nextAttemptAt: string;
  claimedUntil: string | null;
  sentAt: string | null;
  lastError: string | null;
}

type OutboxEntity = Omit<OutboxEntry, 'recipients' | 'environments' | 'claimedUntil' | 'sentAt' | 'lastError'> & {
  partitionKey: string;
  rowKey: string;
  recipients: string;
  environments: string;
  claimedUntil?: string;
  sentAt?: string;
  lastError?: string;
};

type RecordEntity = {
  partitionKey: string;
  rowKey: string;
  incidentId: string;
  generation: number;
  level?: number;
  openedAt: string;
  resolvedAt?: string;
  lastAlert?: string;
};

const outbox = 'alert';
const ledger = 'incident';
const unsentFilter = `PartitionKey eq '${outbox}' and status ne 'sent' and status ne 'failed'`;

/**
 * The alert ledger (one row per incident: the last level alerted) and the outbox. An outbox row's key is derived
 * from the alert's id alone, so two instances deciding the same alert insert one row: the second insert conflicts.
 */
export class AlertStore {
  constructor(private readonly table: TableClient) {}

  async records(): Promise<Map<string, Versioned<IncidentRecord>>> {
    const records = new Map<string, Versioned<IncidentRecord>>();
    for await (const row of this.table.listEntities<RecordEntity>({ queryOptions: { filter: `PartitionKey eq '${ledger}'` } })) {
      records.set(row.incidentId, {
        etag: row.etag,
        value: {
          incidentId: row.incidentId,
          generation: row.generation,
          level: row.level ?? null,
          openedAt: row.openedAt,
          resolvedAt: row.resolvedAt ?? null,
          ...(row.lastAlert && { lastAlert: JSON.parse(row.lastAlert) as IncidentRecord['lastAlert'] }),
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
    };
    try {
      if (previous) await this.table.updateEntity(entity, 'Replace', { etag: previous.etag });
      else await this.table.createEntity(entity);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Records the alert unless it already is; true when this call recorded it. */
  async enqueue(entry: Omit<OutboxEntry, 'status' | 'attempts' | 'nextAttemptAt' | 'claimedUntil' | 'sentAt' | 'lastError'>): Promise<boolean> {
    try {
      await this.table.createEntity(
        toEntity({ ...entry, status: 'pending', attempts: 0, nextAttemptAt: entry.decidedAt, claimedUntil: null, sentAt: null, lastError: null }),
      );
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Alerts to send now: pending and due, or left `sending` by an instance whose claim ran out. */
  async due(now: Date): Promise<Versioned<OutboxEntry>[]> {
    const at = now.toISOString();
    const due: Versioned<OutboxEntry>[] = [];
    const rows = this.table.listEntities<OutboxEntity>({ queryOptions: { filter: unsentFilter } });
    for await (const row of rows) {
      const entry = fromEntity(row);
      const ready = entry.status === 'pending' ? entry.nextAttemptAt <= at : (entry.claimedUntil ?? '') <= at;
      if (ready) due.push({ etag: row.etag, value: entry });
    }
    return due.sort((a, b) => a.value.decidedAt.localeCompare(b.value.decidedAt));
  }

  /** Alerts not yet sent and not given up (pending or being sent), oldest first. */
  async waiting(): Promise<OutboxEntry[]> {
    const rows = this.table.listEntities<OutboxEntity>({ queryOptions: { filter: unsentFilter } });
    const entries: OutboxEntry[] = [];
    for await (const row of rows) entries.push(fromEntity(row));
    return entries.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
  }

  /** Moves an entry to its next state if nobody else did first; the new version, or null after a lost race. */
  async update(entry: Versioned<OutboxEntry>, next: OutboxEntry): Promise<Versioned<OutboxEntry> | null> {
    try {
      const response = await this.table.updateEntity(toEntity(next), 'Replace', { etag: entry.etag });
      return { etag: response.etag ?? '', value: next };
    } catch (error) {
      if (isConflict(error)) return null;
      throw error;
    }
  }

  /** Deletes alerts sent, or given up, before `before`; what waits to be sent and the incident ledger stay. */
  trimDelivered(before: Date): Promise<number> {
    const at = before.toISOString();
    return deleteWhere(this.table, odata`PartitionKey eq ${outbox} and ((status eq 'sent' and sentAt lt ${at}) or (status eq 'failed' and decidedAt lt ${at}))`);
  }

  /** The newest alerts first. */
  async list(limit = 100): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for await (const row of this.table.listEntities<OutboxEntity>({ queryOptions: { filter: `PartitionKey eq '${outbox}'` } })) {
      entries.push(fromEntity(row));
    }
    return entries.sort((a, b) => b.decidedAt.localeCompare(a.decidedAt)).slice(0, limit);
  }
}

function outboxKey(alertId: string): string {
  return createHash('sha256').update(alertId).digest('hex');
}

function toEntity(entry: OutboxEntry): OutboxEntity {
  const { recipients, environments, claimedUntil, sentAt, lastError, ...rest } = entry;
  return {
    ...rest,
    partitionKey: outbox,
    rowKey: outboxKey(entry.alertId),
    subject: entry.subject.slice(0, 1_000),
    text: capped(entry.text),
    html: capped(entry.html),
    recipients: JSON.stringify(recipients),
    environments: JSON.stringify(environments.slice(0, maxListedEnvironments)),
    ...(claimedUntil && { claimedUntil }),
    ...(sentAt && { sentAt }),
    ...(lastError && { lastError: lastError.slice(0, 1_000) }),
  };
}

function fromEntity(row: OutboxEntity): OutboxEntry {
  return {
    alertId: row.alertId,
    kind: row.kind,
    incidentId: row.incidentId,
    rule: row.rule,
    severity: row.severity,
    subject: row.subject,
    text: row.text,
    html: row.html,
    recipients: JSON.parse(row.recipients) as string[],
    environments: JSON.parse(row.environments) as OutboxEntry['environments'],
    environmentCount: row.environmentCount,
    status: row.status,
    attempts: row.attempts,
    decidedAt: row.decidedAt,
    nextAttemptAt: row.nextAttemptAt,
    claimedUntil: row.claimedUntil ?? null,
    sentAt: row.sentAt ?? null,
    lastError: row.lastError ?? null,
  };
}

function capped(text: string): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n…` : text;
}
