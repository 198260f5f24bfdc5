import { randomBytes } from 'node:crypto';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { EnvironmentStatus, StatusChange, Transition } from '../domain/environmentStatus.js';
import type { Finding, RuleId, Status } from '../domain/model.js';
import { chunkGroups, deleteWhere, getOrNull, inParallel, isConflict } from './tables.js';

/** Status rows and their history share one partition, so a change and its history entry commit atomically. */
const partitionKey = 'environment';
const statusKey = (id: string) => `status|${id}`;
const historyPrefix = (id: string) => `history|${id}|`;
/** Inverted time: newest history entries sort first. */
const historyKey = (id: string, at: string) =>
  `${historyPrefix(id)}${String(8_640_000_000_000_000 - Date.parse(at)).padStart(16, '0')}|${randomBytes(4).toString('hex')}`;

export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface PlannedTransition {
  environmentId: string;
  previous: Versioned<EnvironmentStatus> | null;
  transition: Transition;
}

/** Recomputes a transition after another writer got there first. */
export type Replan = (environmentId: string, fresh: EnvironmentStatus | null) => Transition | null;

export interface CommitResult {
  environments: number;
  transactions: number;
  failed: { environmentId: string; error: string }[];
}

const maxAttempts = 5;
/** Above this many environments one query of every status (1,000 per page) is cheaper than a read each. */
const pointReadLimit = 50;

export class StatusStore {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    const rows = this.table.listEntities<StatusEntity>({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}' and RowKey ge 'status|' and RowKey lt 'status}'` },
    });
    const statuses = new Map<string, Versioned<EnvironmentStatus>>();
    for await (const row of rows) statuses.set(row.rowKey.slice('status|'.length), versioned(row));
    return statuses;
  }

  /** The statuses of these environments: point reads for a few, one query of every status for many. */
  async getMany(environmentIds: string[]): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    if (environmentIds.length > pointReadLimit) {
      const all = await this.list();
      return new Map(
        environmentIds.flatMap((id) => {
          const status = all.get(id);
          return status ? [[id, status] as const] : [];
        }),
      );
    }
    const found = new Map<string, Versioned<EnvironmentStatus>>();
    await inParallel(environmentIds, async (id) => {
      const status = await this.get(id);
      if (status) found.set(id, status);
    });
    return found;
  }

  async get(environmentId: string): Promise<Versioned<EnvironmentStatus> | null> {
    const row = await getOrNull<StatusEntity>(this.table, partitionKey, statusKey(environmentId));
    return row && versioned(row);
  }

  async history(environmentId: string, limit = 50): Promise<StatusChange[]> {
    const prefix = historyPrefix(environmentId);
    const pages = this.table
      .listEntities<HistoryEntity>({
        queryOptions: { filter: `PartitionKey eq '${partitionKey}' and RowKey gt '${prefix}' and RowKey lt '${prefix.slice(0, -1)}}'` },
      })
      .byPage({ maxPageSize: limit });
    for await (const page of pages) return page.slice(0, limit).map(toChange);
    return [];
  }

  /** The latest status changes of every environment, newest first. */
  async recentHistory(limit = 20): Promise<StatusChange[]> {
    const rows = this.table.listEntities<HistoryEntity>({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}' and RowKey gt 'history|' and RowKey lt 'history}'` },
    });
    const changes: StatusChange[] = [];
    for await (const row of rows) changes.push(toChange(row));
    return changes.sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
  }

  /** Deletes history entries from before `before`; statuses are never touched. Returns how many went. */
  trimHistory(before: Date): Promise<number> {
    return deleteWhere(
      this.table,
      odata`PartitionKey eq ${partitionKey} and RowKey gt 'history|' and RowKey lt 'history}' and at lt ${before.toISOString()}`,
    );
  }

  /**
   * Commits transitions in transactions of up to 100 rows. A transaction that loses an ETag race is replayed
   * one environment at a time against a fresh read, so concurrent writers never lose an update.
   */
  async commit(planned: PlannedTransition[], replan: Replan): Promise<CommitResult> {
    const result: CommitResult = { environments: 0, transactions: 0, failed: [] };
    const groups = planned.map((plan) => actionsFor(plan).map((action) => ({ plan, action })));
    await inParallel(chunkGroups(groups), async (chunk) => {
      const plans = [...new Set(chunk.map((item) => item.plan))];
      try {
        result.transactions++;
        await this.table.submitTransaction(chunk.map((item) => item.action));
        result.environments += plans.length;
      } catch (error) {
        const only = plans.length === 1 ? plans[0] : undefined;
        if (only && !isConflict(error)) {
          result.failed.push({ environmentId: only.environmentId, error: describe(error) });
          return;
        }
        for (const plan of plans) await this.commitOne(plan.environmentId, replan, result);
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
        await this.table.submitTransaction(actionsFor({ environmentId, previous, transition }));
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
    actions.push(['delete', { partitionKey, rowKey: statusKey(environmentId) }]);
  }
  if (transition.change) actions.push(['create', historyEntity(transition.change)]);
  return actions;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
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
    partitionKey,
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

function versioned(row: TableEntityResult<StatusEntity>): Versioned<EnvironmentStatus> {
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

function historyEntity(change: StatusChange): HistoryEntity {
  return {
    partitionKey,
    rowKey: historyKey(change.environmentId, change.at),
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
