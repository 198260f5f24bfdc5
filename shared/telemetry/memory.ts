import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/**
 * The process's memory, for the scan's log line: what it holds, the heap V8 may grow to, and the memory Node sized
 * that heap from. Node sizes it from the process's cgroup limit when the platform sets one, else from the machine's
 * memory (`SetIsolateCreateParamsForNode`, nodejs/node src/api/environment.cc); on a Flex Consumption instance the
 * line shows which it was.
 */
export function describeMemory(): string {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
  const limit = process.constrainedMemory?.() ?? 0;
  const from =
    limit > 0 && limit < totalmem() ? `the process's limit of ${mib(limit)}` : `the machine's ${mib(totalmem())}`;
  return `memory ${mib(process.memoryUsage.rss())} resident; V8 heap limit ${mib(getHeapStatistics().heap_size_limit)}, from ${from}`;
}
