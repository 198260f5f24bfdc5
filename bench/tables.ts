/** Table Storage traffic as the benchmarks see it on the wire, through a per-call pipeline policy of the Table clients. */
import { performance } from 'node:perf_hooks';
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';

export interface TableCall {
  start: number;
  end: number;
  method: string;
  table: string;
  batch: boolean;
  /** The operations inside a $batch (method + table), or the call itself. */
  operations: { method: string; table: string }[];
  /** The partition written (a transaction holds one); null for reads and table creation. */
  partition: string | null;
  status: number | null;
}

export class TableCounter {
  calls: TableCall[] = [];
  readonly policy: PipelinePolicy = {
    name: 'benchTableCounter',
    sendRequest: async (request, next) => {
      const call = describeTableCall(request);
      this.calls.push(call);
      try {
        const response = await next(request);
        call.status = response.status;
        return response;
      } catch (error) {
        call.status = (error as { statusCode?: number }).statusCode ?? -1;
        throw error;
      } finally {
        call.end = performance.now();
      }
    },
  };

  take(): TableCall[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }
}

function describeTableCall(request: PipelineRequest): TableCall {
  const url = new URL(request.url);
  const table = tableOf(url.pathname);
  if (request.method === 'POST' && url.pathname.endsWith('/$batch')) {
    const body = typeof request.body === 'string' ? request.body : '';
    // One transaction targets one table: its address is read once, from the first operation.
    const first = /^(?:POST|PUT|PATCH|MERGE|DELETE) (\S+) HTTP\/1\.1/m.exec(body);
    const batchTable = first?.[1] ? tableOf(new URL(first[1], url).pathname) : '?';
    const operations = [...body.matchAll(/^(POST|PUT|PATCH|MERGE|DELETE) /gm)].map((m) => ({
      method: m[1] ?? '?',
      table: batchTable,
    }));
    return {
      start: performance.now(),
      end: Number.NaN,
      method: 'POST',
      table: '$batch',
      batch: true,
      operations,
      partition: partitionIn(body),
      status: null,
    };
  }
  return {
    start: performance.now(),
    end: Number.NaN,
    method: request.method,
    table,
    batch: false,
    operations: [{ method: request.method, table }],
    partition:
      request.method === 'GET'
        ? null
        : partitionIn(`${decodeURIComponent(url.pathname)} ${typeof request.body === 'string' ? request.body : ''}`),
    status: null,
  };
}

/**
 * The first PartitionKey named in a URL (`PartitionKey='p'`) or an entity body (`"PartitionKey":"p"`), copied: a match
 * is a slice that would keep the whole request body (a $batch of 100 entities) alive for as long as the call is kept.
 */
function partitionIn(text: string): string | null {
  const match = /PartitionKey(?:='|%3D%27|":")([^'"%]*)/.exec(text);
  return match?.[1] === undefined ? null : Buffer.from(match[1]).toString();
}

/**
 * Real Table Storage's published targets (learn.microsoft.com/azure/storage/tables/scalability-targets): up to 2,000
 * entities per second in one partition, 20,000 transactions per second in one storage account (1 KiB entities).
 */
export const tableTargets = { entitiesPerPartitionPerSecond: 2_000, transactionsPerAccountPerSecond: 20_000 };

export interface WriteModel {
  /** The least time these writes need on real Table Storage at its targets. */
  seconds: number;
  /** What sets that time: the busiest partition or the account. */
  bound: string;
  entities: number;
  partitions: number;
}

/**
 * The least time the written entities need on real Table Storage: the busiest partition at 2,000 entities/s, or the
 * account at 20,000/s counting every entity of a transaction as one (the cautious reading: the target is stated for
 * transactions of 1 KiB entities). `layout` regroups the partitions, to model another partitioning of the same writes.
 */
export function modelWrites(
  calls: TableCall[],
  layout: (table: string, partition: string) => string = (table, partition) => `${table}/${partition}`,
): WriteModel {
  const byPartition = new Map<string, number>();
  let entities = 0;
  for (const call of calls) {
    if (call.partition === null || call.status === null || call.status < 200 || call.status > 299) continue;
    const table = call.batch ? (call.operations[0]?.table ?? '?') : call.table;
    const key = layout(table, call.partition);
    byPartition.set(key, (byPartition.get(key) ?? 0) + call.operations.length);
    entities += call.operations.length;
  }
  const [busiest = '', most = 0] = [...byPartition].sort(([, a], [, b]) => b - a)[0] ?? [];
  const partitionSeconds = most / tableTargets.entitiesPerPartitionPerSecond;
  const accountSeconds = entities / tableTargets.transactionsPerAccountPerSecond;
  return {
    seconds: Math.max(partitionSeconds, accountSeconds),
    bound:
      partitionSeconds >= accountSeconds
        ? `partition ${busiest}: ${most} entities at ${tableTargets.entitiesPerPartitionPerSecond}/s`
        : `the account: ${entities} entities at ${tableTargets.transactionsPerAccountPerSecond}/s`,
    entities,
    partitions: byPartition.size,
  };
}

/** `/devstoreaccount1/benchStatus(PartitionKey='…',RowKey='…')` → `benchStatus`; `/…/Tables` → `Tables`. */
function tableOf(pathname: string): string {
  const segment = decodeURIComponent(pathname.split('/').filter(Boolean).pop() ?? '');
  return segment.replace(/\(.*$/, '') || '?';
}

export interface TableStats {
  requests: number;
  reads: number;
  writes: number;
  batches: number;
  /** Entity operations inside the batches. */
  batchedOperations: number;
  failed: number;
  /** Time with at least one Table request in flight. */
  busyMs: number;
  /** Every operation, grouped: `GET benchStatus`, `PUT benchScans` → count (batched ones as `$batch: POST benchStatus`). */
  byTarget: Map<string, number>;
  /** The writes on real Table Storage's targets. */
  model: WriteModel;
  /** The same writes with each table in one partition (the layout before issue 13). */
  modelOnePartition: WriteModel;
}

export function tableStats(calls: TableCall[]): TableStats {
  const stats: TableStats = {
    requests: calls.length,
    reads: 0,
    writes: 0,
    batches: 0,
    batchedOperations: 0,
    failed: 0,
    busyMs: busyMs(calls),
    byTarget: new Map(),
    model: modelWrites(calls),
    modelOnePartition: modelWrites(calls, (table) => table),
  };
  const add = (target: string, n = 1) => stats.byTarget.set(target, (stats.byTarget.get(target) ?? 0) + n);
  for (const call of calls) {
    if (call.status === null || call.status < 200 || call.status > 299) stats.failed++;
    if (call.batch) {
      stats.batches++;
      stats.batchedOperations += call.operations.length;
      for (const op of call.operations) add(`$batch: ${op.method} ${op.table}`);
    } else if (call.method === 'GET') {
      stats.reads++;
      add(`GET ${call.table}`);
    } else {
      stats.writes++;
      add(`${call.method} ${call.table}`);
    }
  }
  return stats;
}

/** Length of the union of the intervals: the time at least one of them was open. */
export function busyMs(intervals: { start: number; end: number }[]): number {
  const sorted = intervals.filter((i) => Number.isFinite(i.end)).sort((a, b) => a.start - b.start);
  let total = 0;
  let openStart = Number.NaN;
  let openEnd = Number.NEGATIVE_INFINITY;
  for (const { start, end } of sorted) {
    if (start > openEnd) {
      if (Number.isFinite(openEnd)) total += openEnd - openStart;
      openStart = start;
      openEnd = end;
    } else {
      openEnd = Math.max(openEnd, end);
    }
  }
  if (Number.isFinite(openEnd)) total += openEnd - openStart;
  return total;
}
