import { randomBytes, randomInt } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { getOrNull, isConflict } from './tables.js';

/** Enough of a rejected payload to see what was wrong with it, well under the 64 KiB of a string property. */
const maxPayloadChars = 32_000;

export type EventOutcome = 'processed' | 'unaffected' | 'ignored' | 'rejected';

export interface RejectedEvent {
  receivedAt: string;
  functionName: string;
  reason: string;
  payload: string;
}

/** Events that failed validation (kept for 24 h of Event Grid retries and beyond), and daily counts by outcome. */
export class EventStore {
  constructor(private readonly table: TableClient) {}

  async reject(event: Omit<RejectedEvent, 'payload'> & { payload: unknown }, now = new Date()): Promise<void> {
    const inverted = String(8_640_000_000_000_000 - now.getTime()).padStart(16, '0');
    await this.table.createEntity({
      partitionKey: `rejected|${now.toISOString().slice(0, 10)}`,
      rowKey: `${inverted}|${randomBytes(4).toString('hex')}`,
      receivedAt: event.receivedAt,
      functionName: event.functionName,
      reason: event.reason.slice(0, 1_000),
      payload: capped(event.payload),
    });
  }

  async rejected(day: Date, limit = 50): Promise<RejectedEvent[]> {
    const pages = this.table
      .listEntities<RejectedEvent>({ queryOptions: { filter: odata`PartitionKey eq ${`rejected|${day.toISOString().slice(0, 10)}`}` } })
      .byPage({ maxPageSize: limit });
    for await (const page of pages) return page.slice(0, limit).map(({ receivedAt, functionName, reason, payload }) => ({ receivedAt, functionName, reason, payload }));
    return [];
  }

  /**
   * Adds one to today's count of an outcome. The count is spread over a few rows so that instances handling a burst
   * seldom race for one ETag; a lost race is retried.
   */
  async count(outcome: EventOutcome, now = new Date()): Promise<void> {
    const key = { partitionKey: countPartition(now), rowKey: String(randomInt(counterShards)) };
    for (;;) {
      const row = await getOrNull<Partial<Record<EventOutcome, number>>>(this.table, key.partitionKey, key.rowKey);
      const next = { ...key, [outcome]: (row?.[outcome] ?? 0) + 1 };
      try {
        if (row) await this.table.updateEntity(next, 'Merge', { etag: row.etag });
        else await this.table.createEntity(next);
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  async counts(day: Date): Promise<Record<EventOutcome, number>> {
    const counts: Record<EventOutcome, number> = { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };
    const rows = this.table.listEntities<Partial<Record<EventOutcome, number>>>({
      queryOptions: { filter: odata`PartitionKey eq ${countPartition(day)}` },
    });
    for await (const row of rows) for (const outcome of outcomes) counts[outcome] += row[outcome] ?? 0;
    return counts;
  }
}

const counterShards = 8;
const outcomes: EventOutcome[] = ['processed', 'unaffected', 'ignored', 'rejected'];

function countPartition(day: Date): string {
  return `count|${day.toISOString().slice(0, 10)}`;
}

function capped(payload: unknown): string {
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : JSON.stringify(payload) ?? String(payload);
  } catch {
    text = String(payload);
  }
  return text.length > maxPayloadChars ? `${text.slice(0, maxPayloadChars)}… (${text.length} characters in all)` : text;
}
