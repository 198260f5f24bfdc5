import pLimit from 'p-limit';
import {
  odata,
  TableClient,
  type TableEntity,
  type TableEntityResult,
  type TableServiceClientOptions,
  type TransactionAction,
} from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import { submitBatch } from './batch.js';
import type { GroupsResult } from '../../application/ports/stores.js';

export type TableName = 'Status' | 'Chains' | 'Inventory' | 'Scans' | 'Events' | 'Alerts' | 'Refusals';

/** Where the tables are: TABLES_ENDPOINT, through the monitor's identity, or TABLES_CONNECTION_STRING. */
export type TablesLocation = { kind: 'endpoint'; url: string } | { kind: 'connectionString'; connectionString: string };

export interface Tables {
  get(name: TableName): Promise<TableClient>;
}

/** Opens the monitor's tables, creating each once on first use. */
export function openTables(
  config: { tables: TablesLocation; tablePrefix: string },
  credential: TokenCredential,
  options: TableServiceClientOptions = {},
): Tables {
  const opened = new Map<TableName, Promise<TableClient>>();
  const connect = (table: string): TableClient => {
    if (config.tables.kind === 'endpoint') return new TableClient(config.tables.url, table, credential, options);
    const insecure = /TableEndpoint=http:|UseDevelopmentStorage=true/i.test(config.tables.connectionString);
    return TableClient.fromConnectionString(config.tables.connectionString, table, {
      ...options,
      allowInsecureConnection: insecure,
    });
  };
  return {
    get(name) {
      let client = opened.get(name);
      if (!client) {
        const table = connect(`${config.tablePrefix}${name}`);
        client = table.createTable().then(() => table);
        client.catch(() => opened.delete(name));
        opened.set(name, client);
      }
      return client;
    },
  };
}

export function isConflict(error: unknown): boolean {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  return status === 409 || status === 412;
}

/**
 * Writes `entity` over the version read (`etag`), or creates it when none was read: false when another instance
 * wrote first, so the caller reads again and decides again.
 */
export async function writeOver(table: TableClient, entity: TableEntity, etag: string | undefined): Promise<boolean> {
  try {
    if (etag) await table.updateEntity(entity, 'Replace', { etag });
    else await table.createEntity(entity);
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/** Throttling (429, 503), a server fault or no answer at all: what the pipeline's retries already waited out. */
export function isTransient(error: unknown): boolean {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | null)?.statusCode === 404;
}

/** One entity, or null when it does not exist. */
export async function getOrNull<T extends object>(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<TableEntityResult<T> | null> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Splits per-item action groups into transactions of at most 100 actions, never splitting a group. */
export function chunkGroups<T>(groups: T[][], limit = 100): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  for (const group of groups) {
    if (current.length + group.length > limit) {
      chunks.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * Submits rows that a full re-read settles anyway (snapshots, links), in transactions of one partition each: a
 * transaction that loses an ETag race is counted and left to the next read rather than retried. Each group's
 * actions must share a partition. Returns, with the counts, the ETag of each entity written, as its answer gave it.
 */
export async function submitGroups(
  table: TableClient,
  groups: TransactionAction[][],
): Promise<GroupsResult & { etags: ReadonlyMap<TableEntity, string> }> {
  const result = { written: 0, conflicts: 0, etags: new Map<TableEntity, string>() };
  const byPartition = new Map<string, TransactionAction[][]>();
  for (const group of groups) {
    const partition = group[0]?.[1].partitionKey ?? '';
    const partitionGroups = byPartition.get(partition) ?? [];
    partitionGroups.push(group);
    byPartition.set(partition, partitionGroups);
  }
  await inParallel(
    [...byPartition.values()].flatMap((partitionGroups) => chunkGroups(partitionGroups)),
    async (chunk) => {
      try {
        const etags = await submitBatch(table, chunk);
        result.written += chunk.length;
        chunk.forEach(([, entity], i) => {
          const etag = etags[i];
          if (etag) result.etags.set(entity, etag);
        });
      } catch (error) {
        if (!isConflict(error)) throw error;
        result.conflicts += chunk.length;
      }
    },
  );
  return result;
}

/**
 * Deletes every row `filter` matches, in transactions of up to 100 rows of one partition. Another instance deleting
 * the same rows at the same time is no error: a transaction that meets a row already gone is replayed row by row.
 * Returns how many rows this call found to delete.
 */
export async function deleteWhere(table: TableClient, filter: string): Promise<number> {
  const byPartition = new Map<string, TransactionAction[]>();
  let found = 0;
  for await (const row of table.listEntities<object>({
    queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
  })) {
    const actions = byPartition.get(row.partitionKey ?? '') ?? [];
    actions.push(['delete', { partitionKey: row.partitionKey ?? '', rowKey: row.rowKey ?? '' }]);
    byPartition.set(row.partitionKey ?? '', actions);
    found++;
  }
  const chunks = [...byPartition.values()].flatMap((actions) => chunkGroups(actions.map((action) => [action])));
  await inParallel(chunks, async (chunk) => {
    try {
      await submitBatch(table, chunk);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      for (const [, entity] of chunk) {
        await table.deleteEntity(entity.partitionKey, entity.rowKey).catch((rowError: unknown) => {
          if (!isNotFound(rowError)) throw rowError;
        });
      }
    }
  });
  return found;
}

/**
 * Moves the rows of a partition that an earlier version wrote everything to into the partitions this one spreads
 * them over (`partitionOf`), keeping their row keys, so an upgrade loses no status, history or link. A row is only
 * created where none is yet (one already there was written since, and is newer), and the old rows go once all are
 * in place, so a concurrent or interrupted move only repeats itself. Returns how many rows were found to move.
 */
export async function moveLegacyPartition(
  table: TableClient,
  legacyPartition: string,
  partitionOf: (row: Record<string, unknown> & { rowKey: string }) => string,
): Promise<number> {
  const byPartition = new Map<string, TransactionAction[][]>();
  let found = 0;
  for await (const row of table.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${legacyPartition}` },
  })) {
    const { etag: _etag, timestamp: _timestamp, partitionKey: _partitionKey, rowKey = '', ...properties } = row;
    const partitionKey = partitionOf({ ...properties, rowKey });
    const groups = byPartition.get(partitionKey) ?? [];
    groups.push([['create', { ...properties, rowKey, partitionKey }]]);
    byPartition.set(partitionKey, groups);
    found++;
  }
  if (!found) return 0;
  await inParallel(
    [...byPartition.values()].flatMap((groups) => chunkGroups(groups)),
    async (chunk) => {
      try {
        await submitBatch(table, chunk);
      } catch (error) {
        if (!isConflict(error)) throw error;
        for (const [, entity] of chunk) {
          await table.createEntity(entity).catch((rowError: unknown) => {
            if (!isConflict(rowError)) throw rowError;
          });
        }
      }
    },
  );
  await deleteWhere(table, odata`PartitionKey eq ${legacyPartition}`);
  return found;
}

/**
 * Transactions in flight at once per table: each is atomic on its own, so their order does not matter. Rows are
 * spread over partitions, so more in flight does not crowd one partition.
 */
const transactionsInFlight = 16;

export async function inParallel<T>(
  items: T[],
  submit: (item: T) => Promise<void>,
  inFlight = transactionsInFlight,
): Promise<void> {
  const limit = pLimit(inFlight);
  await Promise.all(items.map((item) => limit(() => submit(item))));
}
