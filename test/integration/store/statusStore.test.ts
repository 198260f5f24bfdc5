import { describe, expect, it } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { advance, type EnvironmentEvaluation } from '../../../shared/domain/environmentStatus.js';
import type { Status } from '../../../shared/domain/model.js';
import { StatusStore } from '../../../shared/adapters/tables/statusStore.js';
import type { PlannedTransition } from '../../../shared/application/ports/stores.js';
import { openTestTables } from '../../support/tables.js';

const t0 = new Date('2026-11-22T12:00:00Z');
const t1 = new Date('2026-11-22T13:00:00Z');

function environmentEvaluation(environmentId: string, status: Status): EnvironmentEvaluation {
  const findings =
    status === 'outage'
      ? [{ rule: 'key-disabled' as const, severity: 'outage' as const, message: 'Key k is disabled', dueAt: null }]
      : [];
  return {
    environmentId,
    displayName: `Env ${environmentId}`,
    policyId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/p',
    policyName: 'p',
    vault: 'v',
    key: 'k',
    keyVersion: '1',
    sku: 'Sandbox',
    evaluation: { status, findings, outageAt: null },
    observedAt: t0.toISOString(),
  };
}

async function rowsOf<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

async function freshStore(): Promise<StatusStore> {
  return new StatusStore(await openTestTables().get('Status'));
}

function plan(store: StatusStore, environmentEvaluations: EnvironmentEvaluation[], now: Date) {
  return async () => {
    const stored = await store.list();
    const byId = new Map(environmentEvaluations.map((a) => [a.environmentId, a]));
    const planned: PlannedTransition[] = [];
    for (const a of environmentEvaluations) {
      const previous = stored.get(a.environmentId) ?? null;
      const transition = advance(previous?.value ?? null, a, now, 'scan');
      if (transition) planned.push({ environmentId: a.environmentId, previous, transition });
    }
    return store.commit(planned, (id, fresh) => advance(fresh, byId.get(id) ?? null, now, 'scan'));
  };
}

/** A Status table holding `count` healthy environments (`env-0`, …), written by a store of its own. */
async function healthyTable(count: number): Promise<{ table: TableClient; writer: StatusStore }> {
  const table = await openTestTables().get('Status');
  const writer = new StatusStore(table);
  await plan(
    writer,
    Array.from({ length: count }, (_, i) => environmentEvaluation(`env-${i}`, 'healthy')),
    t0,
  )();
  return { table, writer };
}

describe('StatusStore', () => {
  it('commits 250 environments in transactions of at most 100 rows of one partition, status and history together', async () => {
    const store = await freshStore();
    const environmentEvaluations = Array.from({ length: 250 }, (_, i) =>
      environmentEvaluation(`env-${String(i).padStart(3, '0')}`, 'healthy'),
    );
    const result = await plan(store, environmentEvaluations, t0)();
    // 500 rows over 16 partitions: a transaction per partition (a transaction holds one partition and at most 100 rows).
    expect(result).toEqual({ environments: 250, transactions: 16, failed: [] });
    expect((await store.list()).size).toBe(250);
    expect(await store.history('env-007')).toEqual([expect.objectContaining({ from: null, to: 'healthy' })]);
  });

  it('moves the statuses and history an earlier version kept in one partition into their own, losing nothing', async () => {
    const table = await openTestTables().get('Status');
    const store = new StatusStore(table);
    await plan(store, [environmentEvaluation('env-a', 'healthy'), environmentEvaluation('env-b', 'outage')], t0)();
    const before = { statuses: await store.list(), history: await store.history('env-b') };
    // As the earlier version wrote them: every row under PartitionKey 'environment'. env-a's status was written again
    // since, in its own partition: the legacy copy (renamed here) is older and must not replace it.
    // It wrote no recent changes and no stamps: those go, and the recent changes come back from the history.
    for await (const row of table.listEntities<Record<string, unknown>>()) {
      const { etag: _etag, timestamp: _timestamp, ...entity } = row;
      if (!/^(status|history)\|/.test(row.rowKey ?? '')) {
        await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
        continue;
      }
      const rewritten = row.rowKey === 'status|env-a';
      await table.createEntity({
        ...entity,
        ...(rewritten && { displayName: 'stale' }),
        partitionKey: 'environment',
        rowKey: row.rowKey ?? '',
      });
      if (!rewritten) await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
    }
    // The version that moves them starts afresh: a store looks for an earlier version's rows once.
    const after = await new StatusStore(table).list();
    expect([...after.values()].map((s) => s.value)).toEqual([...before.statuses.values()].map((s) => s.value));
    expect(await store.history('env-b')).toEqual(before.history);
    const left = [];
    for await (const row of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'environment'" } }))
      left.push(row);
    expect(left).toEqual([]);
  });

  it('reads the statuses of the environments asked for, and only those', async () => {
    const store = await freshStore();
    await plan(
      store,
      Array.from({ length: 80 }, (_, i) => environmentEvaluation(`env-${i}`, i % 2 ? 'healthy' : 'outage')),
      t0,
    )();
    const few = ['env-1', 'env-2', 'missing'];
    const many = [...Array.from({ length: 70 }, (_, i) => `env-${i}`), 'missing'];
    expect([...(await store.getMany(few)).entries()].map(([id, s]) => [id, s.value.status]).sort()).toEqual([
      ['env-1', 'healthy'],
      ['env-2', 'outage'],
    ]);
    const read = await store.getMany(many);
    expect(read.size).toBe(70);
    expect(read.get('env-69')?.value.status).toBe('healthy');
    expect(read.has('env-70')).toBe(false);
  });

  it("lists a partition again only when a write moved its stamp, whoever wrote: another instance's change is seen", async () => {
    const { table, writer } = await healthyTable(40);
    const reader = new StatusStore(table);
    expect((await reader.list()).size).toBe(40);
    // A row that goes without a stamp moving (no product code writes so) shows the partition was not read again.
    for await (const row of table.listEntities({ queryOptions: { filter: "RowKey eq 'status|env-1'" } })) {
      await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
    }
    expect((await reader.list()).get('env-1')?.value.status).toBe('healthy');
    await plan(writer, [environmentEvaluation('env-2', 'outage')], t1)();
    const read = await reader.list();
    expect(read.get('env-2')?.value.status).toBe('outage');
    expect(Object.isFrozen(read.get('env-2')?.value)).toBe(true);
  });

  it("starts a new store from each partition's snapshot, taken at its stamp, and reads the rows of a partition written since", async () => {
    const { table, writer } = await healthyTable(40);
    await writer.list();
    // Rows gone without a stamp moving: a store that still finds them read the snapshots, not the rows.
    const gone = ['env-1', 'env-5'];
    for await (const row of table.listEntities({
      queryOptions: { filter: "RowKey eq 'status|env-1' or RowKey eq 'status|env-5'" },
    }))
      await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
    const fresh = await new StatusStore(table).list();
    expect(fresh.size).toBe(40);
    expect(gone.map((id) => fresh.get(id)?.value.status)).toEqual(['healthy', 'healthy']);
    expect(await new StatusStore(table).recentHistory(15)).toHaveLength(15);
    // A commit moves its partition's stamp: that partition's snapshot no longer stands, the others' do.
    await plan(writer, [environmentEvaluation('env-2', 'outage')], t1)();
    const after = await new StatusStore(table).list();
    expect(after.get('env-2')?.value.status).toBe('outage');
    expect(gone.map((id) => after.get(id)?.value.status)).toEqual(['healthy', 'healthy']);
    const latest = await new StatusStore(table).recentHistory(15);
    expect(latest[0]).toMatchObject({ environmentId: 'env-2', to: 'outage' });
  });

  it('uses no snapshot whose rows were written at different stamps', async () => {
    const { table, writer } = await healthyTable(20);
    await writer.list();
    const [status] = await rowsOf(
      table.listEntities({ queryOptions: { filter: "RowKey ge 'status|' and RowKey lt 'status}'" } }),
    );
    const partitionKey = status?.partitionKey ?? '';
    const snapshot = await table.getEntity<Record<string, unknown>>(partitionKey, 'snapshot|000');
    expect(snapshot.parts).toBe(1);
    // Its snapshot's row from another moment, and a status deleted without the stamp moving: the rows are read again.
    await table.updateEntity({ partitionKey, rowKey: 'snapshot|000', stamp: 'another' }, 'Merge');
    await table.deleteEntity(partitionKey, status?.rowKey ?? '');
    const read = await new StatusStore(table).list();
    expect(read.size).toBe(19);
  });

  it('reads each partition once when the dashboard asks for the statuses and the latest changes at once', async () => {
    const { table } = await healthyTable(40);
    const reads: string[] = [];
    table.pipeline.addPolicy({
      name: 'countReads',
      sendRequest: (request, next) => {
        if (request.method === 'GET') reads.push(decodeURIComponent(new URL(request.url).search));
        return next(request);
      },
    });
    const store = new StatusStore(table);
    await Promise.all([store.list(), store.recentHistory(15)]);
    // The earlier version's partition, looked for once; then per partition its snapshot with its stamp, its stamp
    // with its statuses (no snapshot yet), its latest changes.
    // Each query once: the earlier version's partition, each partition's snapshot with its stamp, and the rows of
    // those written since their snapshot.
    expect(reads.length).toBeGreaterThan(16);
    expect(new Set(reads).size).toBe(reads.length);
    reads.length = 0;
    await Promise.all([store.list(), store.recentHistory(15)]);
    expect(reads).toHaveLength(16);
    expect(reads.every((query) => query === '')).toBe(true);
  });

  it('keeps the deletion clock of an outage, and none for a healthy environment', async () => {
    const store = await freshStore();
    await plan(store, [environmentEvaluation('down', 'outage'), environmentEvaluation('up', 'healthy')], t0)();
    const read = await store.getMany(['down', 'up']);
    expect(read.get('down')?.value).toMatchObject({
      lockedSince: t0.toISOString(),
      deletionAt: '2026-11-29T12:00:00.000Z',
    });
    expect(read.get('up')?.value).toMatchObject({ lockedSince: null, deletionAt: null });
    expect(
      await plan(store, [{ ...environmentEvaluation('down', 'outage'), observedAt: t1.toISOString() }], t1)(),
    ).toMatchObject({
      environments: 0,
    });
  });

  it('writes nothing the second time', async () => {
    const store = await freshStore();
    const environmentEvaluations = [environmentEvaluation('a', 'healthy'), environmentEvaluation('b', 'outage')];
    await plan(store, environmentEvaluations, t0)();
    expect(await plan(store, environmentEvaluations, t1)()).toEqual({ environments: 0, transactions: 0, failed: [] });
  });

  it('lists history newest first', async () => {
    const store = await freshStore();
    await plan(store, [environmentEvaluation('a', 'healthy')], t0)();
    await plan(store, [environmentEvaluation('a', 'outage')], t1)();
    const history = await store.history('a');
    expect(history.map((h) => [h.from, h.to])).toEqual([
      ['healthy', 'outage'],
      [null, 'healthy'],
    ]);
  });

  it("lists the latest changes across environments from each partition's recent changes, not from every history row", async () => {
    const { table, writer: store } = await healthyTable(40);
    await plan(
      store,
      ['env-3', 'env-17', 'env-29'].map((id) => environmentEvaluation(id, 'outage')),
      t1,
    )();
    const expected = [['env-17', 'env-29', 'env-3'], ['healthy', 'healthy'], 'outage'];
    const read = async () => {
      const recent = await store.recentHistory(5);
      return [
        recent
          .slice(0, 3)
          .map((c) => c.environmentId)
          .sort(),
        recent.slice(3).map((c) => c.to),
        recent[0]?.to,
      ];
    };
    expect(await read()).toEqual(expected);
    // Without the history rows the answer is the same: they were not read.
    for await (const row of table.listEntities({
      queryOptions: { filter: "RowKey gt 'history|' and RowKey lt 'history}'" },
    })) {
      await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
    }
    expect(await read()).toEqual(expected);
  });

  it('writes the recent changes of history an earlier version kept without them, once, when two readers ask at once', async () => {
    const table = await openTestTables().get('Status');
    const store = new StatusStore(table);
    await plan(
      store,
      Array.from({ length: 30 }, (_, i) => environmentEvaluation(`env-${i}`, 'healthy')),
      t0,
    )();
    await plan(store, [environmentEvaluation('env-7', 'outage')], t1)();
    const recentRows = async () => {
      const rows = [];
      for await (const row of table.listEntities({
        queryOptions: { filter: "RowKey gt 'recent|' and RowKey lt 'recent}'" },
      }))
        rows.push(row.rowKey);
      return rows;
    };
    const written = await recentRows();
    expect(written).toHaveLength(31);
    const before = await store.recentHistory(40);
    for await (const row of table.listEntities({
      queryOptions: { filter: "RowKey gt 'recent|' and RowKey lt 'recent}'" },
    })) {
      await table.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
    }
    const [first, second] = await Promise.all([store.recentHistory(40), store.recentHistory(40)]);
    expect(first).toEqual(before);
    expect(second).toEqual(before);
    expect((await recentRows()).sort()).toEqual(written.sort());
  });

  it('loses no update and duplicates no history when two writers commit the same change at once', async () => {
    const store = await freshStore();
    await plan(store, [environmentEvaluation('a', 'healthy')], t0)();
    const first = plan(store, [environmentEvaluation('a', 'outage')], t1);
    const second = plan(store, [environmentEvaluation('a', 'outage')], t1);
    const results = await Promise.all([first(), second()]);
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect((await store.get('a'))?.value.status).toBe('outage');
    expect((await store.history('a')).filter((h) => h.to === 'outage')).toHaveLength(1);
  });

  it('replays a stale write against the fresh row (ETag conflict)', async () => {
    const store = await freshStore();
    await plan(store, [environmentEvaluation('a', 'healthy')], t0)();
    const stale = await store.get('a');
    await plan(store, [environmentEvaluation('a', 'outage')], t1)();
    const t2 = new Date(t1.getTime() + 60_000);
    const critical = environmentEvaluation('a', 'critical');
    const result = await store.commit(
      [{ environmentId: 'a', previous: stale, transition: advance(stale?.value ?? null, critical, t2, 'scan')! }],
      (_, fresh) => advance(fresh, critical, t2, 'scan'),
    );
    expect(result.failed).toEqual([]);
    expect((await store.history('a')).map((h) => [h.from, h.to])).toEqual([
      ['outage', 'critical'],
      ['healthy', 'outage'],
      [null, 'healthy'],
    ]);
  });

  it('removes a status that is no longer watched and keeps its history', async () => {
    const store = await freshStore();
    await plan(store, [environmentEvaluation('a', 'healthy')], t0)();
    const previous = await store.get('a');
    const transition = advance(previous?.value ?? null, null, t1, 'scan');
    await store.commit([{ environmentId: 'a', previous, transition: transition! }], () => null);
    expect(await store.get('a')).toBeNull();
    expect((await store.history('a'))[0]).toMatchObject({ from: 'healthy', to: null });
  });
});
