import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { foldRefusals, streakKey, type AccessRefusal, type RefusalStreak } from '../../domain/refusals.js';
import { getOrNull, inParallel, isConflict } from './tables.js';
import type { RefusalPort } from '../../application/ports/stores.js';

const partitionKey = 'refusal';
/** Another instance folding into the same streak at once: read again and fold again, this many times at most. */
const attempts = 5;

type StreakEntity = Omit<RefusalStreak, 'keyName' | 'arrivedAt'> & {
  partitionKey: string;
  rowKey: string;
  keyName?: string;
  arrivedAt?: string;
};

/** The refusals of policy identities' calls, one streak per identity, vault and key. */
export class RefusalStore implements RefusalPort {
  constructor(
    private readonly table: TableClient,
    private readonly quietMs: number,
  ) {}

  async list(): Promise<RefusalStreak[]> {
    const streaks: RefusalStreak[] = [];
    for await (const row of this.table.listEntities<StreakEntity>({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
    })) {
      streaks.push(streakOf(row));
    }
    return streaks;
  }

  /** Folds refusals into their streaks under each row's ETag; returns the streaks that changed. */
  async record(refusals: AccessRefusal[]): Promise<number> {
    const byStreak = new Map<string, AccessRefusal[]>();
    for (const refusal of refusals) {
      const key = streakKey(refusal);
      const streak = byStreak.get(key) ?? [];
      streak.push(refusal);
      byStreak.set(key, streak);
    }
    let changed = 0;
    await inParallel([...byStreak], async ([rowKey, streakRefusals]) => {
      if (await this.fold(rowKey, streakRefusals)) changed++;
    });
    return changed;
  }

  private async fold(rowKey: string, refusals: AccessRefusal[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const stored = await getOrNull<StreakEntity>(this.table, partitionKey, rowKey);
      const before = stored ? streakOf(stored) : null;
      const folded = foldRefusals(before, refusals, this.quietMs);
      if (!folded || (before && sameStreak(before, folded))) return false;
      // Table Storage keeps no null property: a streak on every key of the vault has no keyName.
      const { keyName, ...rest } = folded;
      const entity = { partitionKey, rowKey, ...rest, ...(keyName === null ? {} : { keyName }) };
      try {
        if (stored) await this.table.updateEntity(entity, 'Replace', { etag: stored.etag });
        else await this.table.createEntity(entity);
        return true;
      } catch (error) {
        if (!isConflict(error) || attempt === attempts) throw error;
      }
    }
  }
}

function sameStreak(a: RefusalStreak, b: RefusalStreak): boolean {
  return (
    a.firstAt === b.firstAt &&
    a.lastAt === b.lastAt &&
    a.arrivedAt === b.arrivedAt &&
    a.operation === b.operation &&
    a.status === b.status
  );
}

function streakOf(row: TableEntityResult<StreakEntity>): RefusalStreak {
  return {
    vaultId: row.vaultId,
    vaultName: row.vaultName,
    keyName: row.keyName ?? null,
    principalId: row.principalId,
    operation: row.operation,
    status: row.status,
    firstAt: row.firstAt,
    lastAt: row.lastAt,
    // A streak stored before arrivals were kept: the row's last write, which Table Storage stamps, came after it.
    arrivedAt: row.arrivedAt ?? new Date(row.timestamp ?? 0).toISOString(),
  };
}
