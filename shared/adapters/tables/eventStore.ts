import { randomBytes } from 'node:crypto';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { configure } from 'safe-stable-stringify';
import { submitBatch } from './batch.js';
import { deleteWhere, getOrNull, isConflict } from './tables.js';
import type { EventOutcome, EventPort, RejectedEvent } from '../../application/ports/stores.js';

/** Enough of a rejected payload to see what was wrong with it, well under the 64 KiB of a string property. */
const maxPayloadChars = 32_000;

/** Events that failed validation (kept for 24 h of Event Grid retries and beyond), and daily counts by outcome. */
export class EventStore implements EventPort {
  /** Increments not yet written, by day partition, with the write that will hold them. */
  private readonly pending = new Map<string, { counts: Record<EventOutcome, number>; stored: Promise<void> }>();

  constructor(private readonly table: TableClient) {}

  async reject(event: Omit<RejectedEvent, 'payload'> & { payload: unknown }, now = new Date()): Promise<void> {
    await this.table.createEntity({
      partitionKey: `rejected|${dayOf(now)}`,
      rowKey: uniqueSuffix(now),
      receivedAt: event.receivedAt,
      functionName: event.functionName,
      reason: event.reason.slice(0, 1_000),
      payload: capped(event.payload),
    });
  }

  async rejected(day: Date, limit = 50): Promise<RejectedEvent[]> {
    const pages = this.table
      .listEntities<RejectedEvent>({ queryOptions: { filter: odata`PartitionKey eq ${`rejected|${dayOf(day)}`}` } })
      .byPage({ maxPageSize: limit });
    for await (const page of pages)
      return page
        .slice(0, limit)
        .map(({ receivedAt, functionName, reason, payload }) => ({ receivedAt, functionName, reason, payload }));
    return [];
  }

  /**
   * Adds one to the day's count of an outcome. The increments of concurrent invocations are gathered and written as
   * one new row when the current turn of the event loop ends, never by read-modify-write: a flood of events costs a
   * few inserts, and no instance waits for another's ETag. Resolves once the row holding this increment is stored.
   */
  count(outcome: EventOutcome, now = new Date()): Promise<void> {
    const partitionKey = countPartition(now);
    let pending = this.pending.get(partitionKey);
    if (!pending) {
      const counts = noCounts();
      const stored = new Promise((resolve) => setImmediate(resolve)).then(async () => {
        this.pending.delete(partitionKey);
        await this.table.createEntity({ partitionKey, rowKey: uniqueSuffix(now), ...counts });
      });
      pending = { counts, stored };
      this.pending.set(partitionKey, pending);
    }
    pending.counts[outcome]++;
    return pending.stored;
  }

  async counts(day: Date): Promise<Record<EventOutcome, number>> {
    const counts = noCounts();
    const rows = this.table.listEntities<Partial<Record<EventOutcome, number>>>({
      queryOptions: { filter: odata`PartitionKey eq ${countPartition(day)}`, select: outcomes },
    });
    for await (const row of rows) for (const outcome of outcomes) counts[outcome] += row[outcome] ?? 0;
    return counts;
  }

  /**
   * Folds the count rows of every day before `before` into one total row per day. Each step adds up
   * to 99 rows to the total and deletes them in one transaction under the total's ETag, so two instances folding
   * the same day never count a row twice; a step that loses a race reads again.
   */
  async compactCounts(before: Date): Promise<number> {
    const filter = odata`PartitionKey ge ${'count|'} and PartitionKey lt ${countPartition(before)} and RowKey ne ${totalRow}`;
    const days = new Set<string>();
    for await (const row of this.table.listEntities<object>({ queryOptions: { filter, select: ['PartitionKey'] } }))
      days.add(row.partitionKey ?? '');
    let folded = 0;
    for (const day of days) folded += await this.compactDay(day);
    return folded;
  }

  /** Deletes rejected events and counts of the days before these dates. */
  async trim(rejectedBefore: Date, countsBefore: Date): Promise<number> {
    const [rejected, counts] = await Promise.all([
      deleteWhere(
        this.table,
        odata`PartitionKey ge ${'rejected|'} and PartitionKey lt ${`rejected|${dayOf(rejectedBefore)}`}`,
      ),
      deleteWhere(this.table, odata`PartitionKey ge ${'count|'} and PartitionKey lt ${countPartition(countsBefore)}`),
    ]);
    return rejected + counts;
  }

  private async compactDay(partitionKey: string): Promise<number> {
    let folded = 0;
    for (;;) {
      const rows = this.table.listEntities<Partial<Record<EventOutcome, number>>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and RowKey ne ${totalRow}`,
          select: ['RowKey', ...outcomes],
        },
      });
      let page: TableEntityResult<Partial<Record<EventOutcome, number>>>[] = [];
      for await (const first of rows.byPage({ maxPageSize: 99 })) {
        page = first;
        break;
      }
      if (!page.length) return folded;
      const total = await getOrNull<Partial<Record<EventOutcome, number>>>(this.table, partitionKey, totalRow);
      const sums = noCounts();
      for (const row of [...page, ...(total ? [total] : [])])
        for (const outcome of outcomes) sums[outcome] += row[outcome] ?? 0;
      const entity = { partitionKey, rowKey: totalRow, ...sums };
      const actions: TransactionAction[] = [
        total ? ['update', entity, 'Replace', { etag: total.etag }] : ['create', entity],
        ...page.map((row): TransactionAction => ['delete', { partitionKey, rowKey: row.rowKey ?? '' }]),
      ];
      try {
        await submitBatch(this.table, actions);
        folded += page.length;
      } catch (error) {
        if (!isConflict(error) && (error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    }
  }
}

/** The row a compacted day's counts are kept in. */
const totalRow = 'total';
const outcomes: EventOutcome[] = ['processed', 'unaffected', 'ignored', 'rejected'];

function noCounts(): Record<EventOutcome, number> {
  return { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Newest first within a partition, then random: rows written in the same millisecond never collide. */
function uniqueSuffix(now: Date): string {
  return `${String(8_640_000_000_000_000 - now.getTime()).padStart(16, '0')}|${randomBytes(6).toString('hex')}`;
}

function countPartition(day: Date): string {
  return `count|${dayOf(day)}`;
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
