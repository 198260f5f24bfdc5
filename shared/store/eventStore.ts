import { randomBytes } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { configure } from 'safe-stable-stringify';

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
    await this.table.createEntity({
      partitionKey: `rejected|${now.toISOString().slice(0, 10)}`,
      rowKey: uniqueSuffix(now),
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
   * Adds one to the day's count of an outcome: one new row, never a read-modify-write, so a flood of concurrent
   * events costs one request each and no instance waits for another's ETag. `counts` adds them up.
   */
  async count(outcome: EventOutcome, now = new Date()): Promise<void> {
    await this.table.createEntity({ partitionKey: countPartition(now), rowKey: `${outcome}|${uniqueSuffix(now)}` });
  }

  async counts(day: Date): Promise<Record<EventOutcome, number>> {
    const counts: Record<EventOutcome, number> = { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };
    const rows = this.table.listEntities<object>({
      queryOptions: { filter: odata`PartitionKey eq ${countPartition(day)}`, select: ['RowKey'] },
    });
    for await (const row of rows) {
      const outcome = row.rowKey?.split('|')[0] as EventOutcome | undefined;
      if (outcome && outcome in counts) counts[outcome]++;
    }
    return counts;
  }
}

/** Newest first within a partition, then random: rows written in the same millisecond never collide. */
function uniqueSuffix(now: Date): string {
  return `${String(8_640_000_000_000_000 - now.getTime()).padStart(16, '0')}|${randomBytes(6).toString('hex')}`;
}

function countPartition(day: Date): string {
  return `count|${day.toISOString().slice(0, 10)}`;
}

/** Whatever its depth, breadth or cycles, a payload becomes bounded JSON text; deeper parts read "[Object]". */
const stringify = configure({ maximumDepth: 32, maximumBreadth: 1_000, deterministic: false });

function capped(payload: unknown): string {
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : (stringify(payload) ?? typeof payload);
  } catch (error) {
    text = `(not serialisable: ${error instanceof Error ? error.name : typeof error})`;
  }
  if (text.length <= maxPayloadChars) return text;
  // Never cut a surrogate pair in two: Table Storage takes UTF-16 text, not half a character.
  return `${text.slice(0, maxPayloadChars).replace(/[\uD800-\uDBFF]$/, '')}… (cut: ${text.length} characters in all)`;
}
