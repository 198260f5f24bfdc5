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
    const operations = [...body.matchAll(/^(GET|POST|PUT|PATCH|MERGE|DELETE) (\S+) HTTP\/1\.1/gm)].map((m) => ({
      method: m[1] ?? '?',
      table: tableOf(new URL(m[2] ?? '', url).pathname),
    }));
    return { start: performance.now(), end: Number.NaN, method: 'POST', table: '$batch', batch: true, operations, status: null };
  }
  return {
    start: performance.now(),
    end: Number.NaN,
    method: request.method,
    table,
    batch: false,
    operations: [{ method: request.method, table }],
    status: null,
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
