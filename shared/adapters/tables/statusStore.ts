import { randomBytes } from 'node:crypto';
import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { EnvironmentStatus, StatusChange } from '../../domain/environmentStatus.js';
import type { Finding, RuleId, Status } from '../../domain/model.js';
import { submitBatch } from './batch.js';
import { bucketOf, bucketsOf } from './buckets.js';
import {
  chunkGroups,
  deleteWhere,
  getOrNull,
  inParallel,
  isConflict,
  isTransient,
  moveLegacyPartition,
} from './tables.js';
import { queryRows, type StoredRow } from './rowQuery.js';
import {
  frozen,
  recentKept,
  snapshotAndStamp,
  snapshotRows,
  viewOfSnapshot,
  type PartitionView,
} from './statusSnapshot.js';
import type { CommitResult, PlannedTransition, Replan, StatusPort, Versioned } from '../../application/ports/stores.js';

/**
 * An environment's status row and its history share its partition, so a change and its history entry commit
 * atomically; environments are spread over 16 partitions so a scan that rewrites them all is not held to one.
 */
const partitions = 16;
const partitionOf = (environmentId: string) => bucketOf('environment', environmentId, partitions);
const statusKey = (id: string) => `status|${id}`;
const historyPrefix = (id: string) => `history|${id}|`;
/** Inverted time: newest entries sort first. */
const invertedTime = (at: string) => String(8_640_000_000_000_000 - Date.parse(at)).padStart(16, '0');
const historyKey = (id: string, at: string, nonce: string) => `${historyPrefix(id)}${invertedTime(at)}|${nonce}`;
/**
 * Each history entry is written twice in one transaction: under its environment (`history|id|time|nonce`, for the
 * environment's page) and in its partition's recent changes (`recent|time|id|nonce`, newest first across
 * environments), so the dashboard reads 16 short pages for the latest changes instead of every history row.
 */
const recentOf = (historyRowKey: string) => {
  const [, id = '', time = '', nonce = ''] = historyRowKey.split('|');
  return `recent|${time}|${id}|${nonce}`;
};
const recentRows = odata`RowKey gt 'recent|' and RowKey lt 'recent}'`;
/**
 * One row per partition that every transaction writing a status there rewrites with a fresh value, so a reader that
 * kept a partition's statuses knows by one point read whether they still stand.
 */
const stampKey = 'stamp';
const stampOf = (partition: string): ['upsert', TableEntity<{ stamp: string }>, 'Replace'] => [
  'upsert',
  { partitionKey: partition, rowKey: stampKey, stamp: randomBytes(8).toString('hex') },
  'Replace',
];
const historyRows = odata`RowKey gt 'history|' and RowKey lt 'history}'`;

const maxAttempts = 5;
/**
 * Environments named in one query: with the partition and the two bounds of the status rows, 15 comparisons, the most
 * a Table Storage filter may hold ("Querying tables and entities", learn.microsoft.com/rest/api/storageservices).
 */
const idsPerQuery = 12;
const queriesInFlight = 16;

export class StatusStore implements StatusPort {
  /** Each partition as this store last found it; a view stands while its partition's stamp has not moved. */
  private readonly kept = new Map<string, PartitionView>();
  /** A partition being read, so that the dashboard's statuses and latest changes read it once between them. */
  private readonly reading = new Map<string, Promise<PartitionView>>();
  private legacyMoved: Promise<void> | null = null;

  constructor(private readonly table: TableClient) {}

  /**
   * Every status, its partitions read in parallel, in partition order (two lists of the same statuses come out the
   * same). A warm instance's dashboard, health and second scan read 16 stamps, not 20,000 rows; a new one reads 16
   * snapshots, and every row only of a partition written since its snapshot.
   */
  async list(): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    const views = await this.views();
    return new Map(views.flatMap((view) => [...view.statuses]));
  }

  /** The latest status changes of every environment, newest first. */
  async recentHistory(limit = 20): Promise<StatusChange[]> {
    const changes =
      limit <= recentKept
        ? (await this.views()).flatMap((view) => view.recent)
        : (
            await Promise.all(bucketsOf('environment', partitions).map((partition) => this.recentOf(partition, limit)))
          ).flat();
    return changes
      .sort((a, b) => b.at.localeCompare(a.at) || a.environmentId.localeCompare(b.environmentId))
      .slice(0, limit);
  }

  /**
   * Each partition's view, once the rows an earlier version kept in one partition are moved (looked for once per
   * store: that version's instances stop when this one is deployed, and the next instance to start moves what one
   * wrote since).
   */
  private async views(): Promise<PartitionView[]> {
    this.legacyMoved ??= moveLegacyPartition(this.table, 'environment', (row) =>
      partitionOf(row.rowKey.startsWith('status|') ? row.rowKey.slice('status|'.length) : String(row.environmentId)),
    ).then(async (moved) => {
      // The rows moved came without a stamp: whatever was kept of their partitions no longer stands.
      if (moved) await this.moveStamps();
    });
    await this.legacyMoved.catch((error: unknown) => {
      this.legacyMoved = null;
      throw error;
    });
    return Promise.all(bucketsOf('environment', partitions).map((partition) => this.view(partition)));
  }

  private view(partition: string): Promise<PartitionView> {
    let read = this.reading.get(partition);
    if (!read) {
      read = this.currentView(partition).finally(() => this.reading.delete(partition));
      this.reading.set(partition, read);
    }
    return read;
  }

  /**
   * The view kept, when a point read of the stamp finds it still stands; else the partition's snapshot, when it was
   * taken at the stamp (read after it, in the same range); else the partition itself, whose view is then saved.
   */
  private async currentView(partition: string): Promise<PartitionView> {
    const kept = this.kept.get(partition);
    if (kept && (await getOrNull<{ stamp: string }>(this.table, partition, stampKey))?.stamp === kept.stamp)
      return kept;
    const rows: StoredRow[] = [];
    for await (const row of queryRows(this.table, `${odata`PartitionKey eq ${partition}`} and ${snapshotAndStamp}`))
      rows.push(row);
    const stamp = rows.find((row) => row.rowKey === stampKey)?.properties.stamp;
    const saved = typeof stamp === 'string' ? viewOfSnapshot(rows, stamp) : null;
    if (saved) {
      this.kept.set(partition, saved);
      return saved;
    }
    const view = await this.readPartition(partition);
    this.kept.set(partition, view);
    await Promise.all(
      snapshotRows(partition, view).map((row) =>
        // A snapshot not saved only costs the next new instance a full read of this partition.
        this.table.upsertEntity(row, 'Replace').catch(() => undefined),
      ),
    );
    return view;
  }

  /**
   * A partition's stamp and statuses in one range ('stamp' sorts just before 'status|'), so the stamp is read no later
   * than any status; then its latest changes. A partition with no stamp yet (empty, or written by an earlier version)
   * gets one, created only where none is: if a writer stamps it first, the creation fails and the read starts again.
   */
  private async readPartition(partition: string): Promise<PartitionView> {
    for (let attempt = 1; ; attempt++) {
      let stamp: string | null = null;
      const statuses = new Map<string, Versioned<EnvironmentStatus>>();
      const filter = odata`PartitionKey eq ${partition} and RowKey ge ${stampKey} and RowKey lt 'status}'`;
      for await (const row of queryRows(this.table, filter)) {
        if (row.rowKey === stampKey) stamp = typeof row.properties.stamp === 'string' ? row.properties.stamp : null;
        else
          statuses.set(
            row.rowKey.slice('status|'.length),
            frozen(versioned({ ...(row.properties as StatusProperties), rowKey: row.rowKey, etag: row.etag })),
          );
      }
      if (stamp === null) {
        const [, created] = stampOf(partition);
        try {
          await this.table.createEntity(created);
          stamp = String(created.stamp);
        } catch (error) {
          if (isConflict(error) && attempt < maxAttempts) continue;
          throw error;
        }
      }
      return { stamp, statuses, recent: Object.freeze(await this.recentOf(partition, recentKept)) };
    }
  }

  /** A partition's first `limit` recent changes, indexing the history an earlier version kept without them. */
  private async recentOf(partition: string, limit: number): Promise<StatusChange[]> {
    const recent = await this.firstRows(partition, recentRows, limit);
    const rows =
      recent.length || !(await this.firstRows(partition, historyRows, 1)).length
        ? recent
        : await this.indexHistory(partition, limit);
    return rows.map(toChange);
  }

  /** A new value for every partition's stamp, after a change no transaction of `commit` stamped. */
  private async moveStamps(): Promise<void> {
    this.kept.clear();
    await Promise.all(
      bucketsOf('environment', partitions).map((partition) => {
        const [, stamp] = stampOf(partition);
        return this.table.upsertEntity(stamp, 'Replace');
      }),
    );
  }

  /**
   * The statuses of these environments, and only theirs: per partition, one query naming up to 12 of them (Table
   * Storage takes at most 15 comparisons in a filter), a point read for one alone. What an event costs grows with
   * the environments it touches, never with the tenant.
   */
  async getMany(environmentIds: string[]): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    const byPartition = new Map<string, string[]>();
    for (const id of new Set(environmentIds)) {
      const ids = byPartition.get(partitionOf(id)) ?? [];
      ids.push(id);
      byPartition.set(partitionOf(id), ids);
    }
    const queries = [...byPartition].flatMap(([partition, ids]) =>
      chunks(ids, idsPerQuery).map((chunk) => ({ partition, ids: chunk })),
    );
    const found = new Map<string, Versioned<EnvironmentStatus>>();
    await inParallel(
      queries,
      async ({ partition, ids }) => {
        if (ids.length === 1) {
          const status = await this.get(ids[0] ?? '');
          if (status) found.set(status.value.environmentId, status);
          return;
        }
        const named = ids.map((id) => odata`RowKey eq ${statusKey(id)}`).join(' or ');
        const filter = `${odata`PartitionKey eq ${partition} and RowKey ge 'status|' and RowKey lt 'status}'`} and (${named})`;
        for await (const row of this.table.listEntities<StatusEntity>({ queryOptions: { filter } })) {
          const status = versioned(row);
          found.set(status.value.environmentId, status);
        }
      },
      queriesInFlight,
    );
    return found;
  }

  async get(environmentId: string): Promise<Versioned<EnvironmentStatus> | null> {
    const row = await getOrNull<StatusEntity>(this.table, partitionOf(environmentId), statusKey(environmentId));
    return row && versioned(row);
  }

  async history(environmentId: string, limit = 50): Promise<StatusChange[]> {
    const prefix = historyPrefix(environmentId);
    const pages = this.table
      .listEntities<HistoryEntity>({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionOf(environmentId)} and RowKey gt ${prefix} and RowKey lt ${`${prefix.slice(0, -1)}}`}`,
        },
      })
      .byPage({ maxPageSize: limit });
    for await (const page of pages) return page.slice(0, limit).map(toChange);
    return [];
  }

  /** Deletes history entries from before `before`; statuses are never touched. Returns how many went. */
  async trimHistory(before: Date): Promise<number> {
    const older = odata`at lt ${before.toISOString()}`;
    const [history, recent] = await Promise.all([
      deleteWhere(this.table, `${historyRows} and ${older}`),
      deleteWhere(this.table, `${recentRows} and ${older}`),
    ]);
    // The views kept hold the latest changes: those trimmed must go from them too.
    if (recent) await this.moveStamps();
    return history;
  }

  private async firstRows(partition: string, rows: string, limit: number): Promise<HistoryEntity[]> {
    const pages = this.table
      .listEntities<HistoryEntity>({ queryOptions: { filter: `${odata`PartitionKey eq ${partition}`} and ${rows}` } })
      .byPage({ maxPageSize: limit });
    for await (const page of pages) if (page.length) return page.slice(0, limit);
    return [];
  }

  /**
   * Writes the recent changes of a partition whose history an earlier version kept without them; the keys come from
   * the history rows' own, so two readers doing it at once write the same rows.
   */
  private async indexHistory(partition: string, limit: number): Promise<HistoryEntity[]> {
    const history: HistoryEntity[] = [];
    for await (const row of this.table.listEntities<HistoryEntity>({
      queryOptions: { filter: `${odata`PartitionKey eq ${partition}`} and ${historyRows}` },
    })) {
      const { etag: _etag, timestamp: _timestamp, ...entity } = row;
      history.push({ ...entity, rowKey: recentOf(row.rowKey) });
    }
    await inParallel(
      chunkGroups(history.map((row) => [['upsert', row, 'Replace'] as TransactionAction])),
      async (chunk) => {
        await submitBatch(this.table, chunk);
      },
    );
    return history.sort((a, b) => a.rowKey.localeCompare(b.rowKey)).slice(0, limit);
  }

  /**
   * Commits transitions in transactions of up to 100 rows of one partition. A transaction that loses an ETag race is
   * replayed one environment at a time against a fresh read, so concurrent writers never lose an update; one refused
   * for throttling or an outage (after the client's own retries, which honour Retry-After) fails as a whole and is left
   * to the next run, rather than multiplied into a replay per environment.
   */
  async commit(planned: PlannedTransition[], replan: Replan): Promise<CommitResult> {
    const result: CommitResult = { environments: 0, transactions: 0, failed: [] };
    const byPartition = new Map<string, { plan: PlannedTransition; action: TransactionAction }[][]>();
    for (const plan of planned) {
      const partition = partitionOf(plan.environmentId);
      const groups = byPartition.get(partition) ?? [];
      groups.push(actionsFor(plan).map((action) => ({ plan, action })));
      byPartition.set(partition, groups);
    }
    // Each transaction holds at most 100 rows: up to 99 of its environments' and the partition's stamp.
    const chunks = [...byPartition.values()].flatMap((groups) => chunkGroups(groups, 99));
    await inParallel(chunks, async (chunk) => {
      const plans = [...new Set(chunk.map((item) => item.plan))];
      try {
        result.transactions++;
        await submitBatch(this.table, [
          ...chunk.map((item) => item.action),
          stampOf(partitionOf(plans[0]?.environmentId ?? '')),
        ]);
        result.environments += plans.length;
      } catch (error) {
        // A lost race is settled row by row; so is a refusal of one row among many, to find the row.
        if (isConflict(error) || (plans.length > 1 && !isTransient(error))) {
          for (const plan of plans) await this.commitOne(plan.environmentId, replan, result);
          return;
        }
        for (const plan of plans) result.failed.push({ environmentId: plan.environmentId, error: describe(error) });
      }
    });
    return result;
  }

  private async commitOne(environmentId: string, replan: Replan, result: CommitResult): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const previous = await this.get(environmentId);
      const transition = replan(environmentId, previous?.value ?? null);
      if (!transition) return;
      try {
        result.transactions++;
        await submitBatch(this.table, [
          ...actionsFor({ environmentId, previous, transition }),
          stampOf(partitionOf(environmentId)),
        ]);
        result.environments++;
        return;
      } catch (error) {
        lastError = error;
        if (!isConflict(error)) break;
      }
    }
    result.failed.push({ environmentId, error: describe(lastError) });
  }
}

function actionsFor({ environmentId, previous, transition }: PlannedTransition): TransactionAction[] {
  const actions: TransactionAction[] = [];
  if (transition.next) {
    const entity = toEntity(transition.next);
    actions.push(previous ? ['update', entity, 'Replace', { etag: previous.etag }] : ['create', entity]);
  } else if (previous) {
    actions.push(['delete', { partitionKey: partitionOf(environmentId), rowKey: statusKey(environmentId) }]);
  }
  if (transition.change) {
    const rowKey = historyKey(environmentId, transition.change.at, randomBytes(4).toString('hex'));
    actions.push(['create', historyEntity(transition.change, rowKey)]);
    actions.push(['create', historyEntity(transition.change, recentOf(rowKey))]);
  }
  return actions;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

type StatusEntity = {
  partitionKey: string;
  rowKey: string;
  displayName: string;
  policyId?: string;
  policyName?: string;
  vault?: string;
  key?: string;
  keyVersion?: string;
  status: string;
  findings: string;
  outageAt?: string;
  since: string;
  lockedSince?: string;
  deletionAt?: string;
  observedAt?: string;
};

type HistoryEntity = {
  partitionKey: string;
  rowKey: string;
  environmentId: string;
  at: string;
  from?: string;
  to?: string;
  added: string;
  removed: string;
  source: string;
};

function toEntity(status: EnvironmentStatus): StatusEntity {
  return {
    partitionKey: partitionOf(status.environmentId),
    rowKey: statusKey(status.environmentId),
    displayName: status.displayName,
    ...optional('policyId', status.policyId),
    ...optional('policyName', status.policyName),
    ...optional('vault', status.vault),
    ...optional('key', status.key),
    ...optional('keyVersion', status.keyVersion),
    status: status.status,
    findings: JSON.stringify(status.findings),
    ...optional('outageAt', status.outageAt),
    since: status.since,
    ...optional('lockedSince', status.lockedSince),
    ...optional('deletionAt', status.deletionAt),
    observedAt: status.observedAt,
  };
}

type StatusProperties = Omit<StatusEntity, 'partitionKey' | 'rowKey'>;

function versioned(row: StatusProperties & { rowKey: string; etag: string }): Versioned<EnvironmentStatus> {
  return {
    etag: row.etag,
    value: {
      environmentId: row.rowKey.slice('status|'.length),
      displayName: row.displayName,
      policyId: row.policyId ?? null,
      policyName: row.policyName ?? null,
      vault: row.vault ?? null,
      key: row.key ?? null,
      keyVersion: row.keyVersion ?? null,
      status: row.status as Status,
      findings: JSON.parse(row.findings) as Finding[],
      outageAt: row.outageAt ?? null,
      since: row.since,
      lockedSince: row.lockedSince ?? null,
      deletionAt: row.deletionAt ?? null,
      observedAt: row.observedAt ?? '',
    },
  };
}

function historyEntity(change: StatusChange, rowKey: string): HistoryEntity {
  return {
    partitionKey: partitionOf(change.environmentId),
    rowKey,
    environmentId: change.environmentId,
    at: change.at,
    ...optional('from', change.from),
    ...optional('to', change.to),
    added: JSON.stringify(change.added),
    removed: JSON.stringify(change.removed),
    source: change.source,
  };
}

function toChange(row: HistoryEntity): StatusChange {
  return {
    environmentId: row.environmentId,
    at: row.at,
    from: (row.from ?? null) as Status | null,
    to: (row.to ?? null) as Status | null,
    added: JSON.parse(row.added) as RuleId[],
    removed: JSON.parse(row.removed) as RuleId[],
    source: row.source,
  };
}

/** Table Storage has no null: an absent property is the null. */
function optional<K extends string>(name: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [name]: value }) as { [P in K]?: string };
}
