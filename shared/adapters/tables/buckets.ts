/**
 * Spreads rows over a fixed set of partitions by a hash of their id, so that a scan writing every row is not held
 * to one partition's throughput (about 2,000 entities per second on Table Storage). `count` is part of the stored
 * format: rows written under one count are not found under another.
 */
export function bucketOf(prefix: string, id: string, count: number): string {
  // FNV-1a, 32 bits: stable across processes and runtimes, unlike anything keyed on memory.
  let hash = 0x811c9dc5;
  for (const char of id.toLowerCase()) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${prefix}-${String(hash % count).padStart(2, '0')}`;
}

/** Every partition `bucketOf(prefix, …, count)` can name. */
export function bucketsOf(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
}
