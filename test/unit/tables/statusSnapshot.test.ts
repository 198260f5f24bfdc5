import { describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Versioned } from '../../../shared/application/ports/stores.js';
import type { StoredRow } from '../../../shared/adapters/tables/rowQuery.js';
import { snapshotRows, viewOfSnapshot, type PartitionView } from '../../../shared/adapters/tables/statusSnapshot.js';

function status(i: number, displayName = `Env ${i}`): Versioned<EnvironmentStatus> {
  return {
    etag: `W/"datetime'2026-12-07T00%3A00%3A0${i % 10}Z'"`,
    value: {
      environmentId: `env-${i}`,
      displayName,
      policyId: null,
      policyName: null,
      vault: 'v',
      key: 'k',
      keyVersion: '1',
      status: 'healthy',
      findings: [],
      outageAt: null,
      since: '2026-12-01T00:00:00.000Z',
      lockedSince: null,
      deletionAt: null,
      observedAt: '2026-12-07T00:00:00.000Z',
    },
  };
}

function viewOf(statuses: Versioned<EnvironmentStatus>[], stamp = 's1'): PartitionView {
  return {
    stamp,
    statuses: new Map(statuses.map((s) => [s.value.environmentId, s])),
    recent: [
      {
        environmentId: 'env-1',
        at: '2026-12-07T00:00:00.000Z',
        from: null,
        to: 'healthy',
        added: [],
        removed: [],
        source: 'scan',
      },
    ],
  };
}

/** The rows as Query Entities hands them back. */
function stored(rows: ReturnType<typeof snapshotRows>): StoredRow[] {
  return rows.map(({ partitionKey, rowKey, ...properties }) => ({
    partitionKey,
    rowKey,
    etag: 'e',
    properties,
  }));
}

describe('a partition snapshot', () => {
  it('comes back as the view it saved, over as many rows as it takes, each within Table Storage limits', () => {
    // Names of 2,000 characters, some outside ASCII: about 2.3 million characters, five rows.
    const statuses = Array.from({ length: 1_100 }, (_, i) => status(i, `Umgebung ${i} ${'ü€'.repeat(1_000)}`));
    const rows = snapshotRows('environment-03', viewOf(statuses));
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows) {
      const strings = Object.values(row).filter((value): value is string => typeof value === 'string');
      // 64 KiB of UTF-16 per string property; 1 MiB per entity; 252 properties of one's own.
      expect(Math.max(...strings.map((value) => value.length * 2))).toBeLessThanOrEqual(64 * 1024);
      expect(strings.reduce((bytes, value) => bytes + value.length * 2, 0)).toBeLessThan(1024 * 1024);
      expect(Object.keys(row).length).toBeLessThanOrEqual(252);
    }
    const view = viewOfSnapshot(stored(rows), 's1');
    expect([...(view?.statuses.values() ?? [])]).toEqual(statuses);
    expect(view?.recent).toEqual(viewOf([]).recent);
    expect(Object.isFrozen(view?.statuses.get('env-7')?.value)).toBe(true);
  });

  it('is not used when taken at another stamp, when a row is missing or from another stamp, or when unreadable', () => {
    const rows = stored(snapshotRows('p', viewOf(Array.from({ length: 2_000 }, (_, i) => status(i, 'x'.repeat(400))))));
    expect(rows.length).toBeGreaterThan(1);
    expect(viewOfSnapshot(rows, 's1')).not.toBeNull();
    expect(viewOfSnapshot(rows, 's2')).toBeNull();
    expect(viewOfSnapshot(rows.slice(0, -1), 's1')).toBeNull();
    expect(viewOfSnapshot([...rows.slice(0, -1), stored(snapshotRows('p', viewOf([], 's0'))).at(0)!], 's1')).toBeNull();
    const [first] = rows;
    const cut = { ...first!, properties: { ...first!.properties, d00: '{"statuses": [' } };
    expect(viewOfSnapshot([cut, ...rows.slice(1)], 's1')).toBeNull();
    expect(viewOfSnapshot([], 's1')).toBeNull();
  });
});
