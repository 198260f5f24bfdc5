/** Refused uses of a key by a policy identity, as Key Vault's audit records told them. Pure data and rules. */
import { nameOf } from './resourceIds.js';

export type KeyUse = 'KeyWrap' | 'KeyUnwrap' | 'KeyGet';

/** One refused call: who, what, on which key, with what answer, when. */
export interface AccessRefusal {
  vaultId: string;
  vaultName: string;
  /** Null when the record names no key (a call refused before Key Vault read its path). */
  keyName: string | null;
  principalId: string;
  operation: KeyUse;
  status: number;
  at: string;
}

/**
 * Refusals of one identity on one key, from the first of an unbroken run to the last: a gap longer than the quiet
 * period starts a new run. `operation` and `status` are the last refusal's.
 */
export interface RefusalStreak extends Omit<AccessRefusal, 'at'> {
  firstAt: string;
  lastAt: string;
}

/** Where a streak is kept: one per identity, vault and key (every key when the record named none). */
export function streakKey(refusal: Pick<AccessRefusal, 'vaultName' | 'keyName' | 'principalId'>): string {
  return [refusal.vaultName, refusal.keyName ?? '*', refusal.principalId].join('|').toLowerCase();
}

/**
 * Folds refusals into a streak. A duplicate changes nothing, and a late record counts where it falls: it extends the
 * run back or forward when within the quiet period of it, and a record older than a finished run is dropped.
 */
export function foldRefusals(streak: RefusalStreak | null, refusals: AccessRefusal[], quietMs: number): RefusalStreak | null {
  let folded = streak;
  for (const refusal of [...refusals].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const at = Date.parse(refusal.at);
    const { at: _at, ...rest } = refusal;
    if (!folded) {
      folded = { ...rest, firstAt: refusal.at, lastAt: refusal.at };
    } else if (at > Date.parse(folded.lastAt)) {
      const firstAt = at - Date.parse(folded.lastAt) > quietMs ? refusal.at : folded.firstAt;
      folded = { ...folded, operation: refusal.operation, status: refusal.status, firstAt, lastAt: refusal.at };
    } else if (at < Date.parse(folded.firstAt) && Date.parse(folded.firstAt) - at <= quietMs) {
      folded = { ...folded, firstAt: refusal.at };
    }
  }
  return folded;
}

/** The streaks that concern a policy: its identity, on its vault, on its key or on every key. */
export function streaksOf(
  policy: { vaultId: string; keyName: string; principalId: string },
  streaks: readonly RefusalStreak[],
): RefusalStreak[] {
  const vaultName = nameOf(policy.vaultId).toLowerCase();
  return streaks.filter(
    (streak) =>
      streak.principalId.toLowerCase() === policy.principalId.toLowerCase() &&
      streak.vaultName.toLowerCase() === vaultName &&
      (streak.keyName === null || streak.keyName.toLowerCase() === policy.keyName.toLowerCase()),
  );
}
