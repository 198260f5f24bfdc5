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
  /** The record's own time: whoever sent the record chose it. */
  at: string;
  /** When the record reached the Event Hub, as Event Hubs stamped it: the quiet period counts from this. */
  arrivedAt: string;
}

/**
 * Refusals of one identity on one key, from the first of an unbroken run to the last, by the records' own times: a gap
 * longer than the quiet period starts a new run. `operation` and `status` are the last refusal's; `arrivedAt` is the
 * latest arrival of any refusal folded in, so a streak goes quiet one quiet period after its last refusal arrived,
 * whatever time a record claims.
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
 * Folds refusals into a streak. A duplicate changes nothing (a batch delivered again keeps its enqueued times), and a
 * late record counts where it falls: within the quiet period of the run it extends it back or forward and brings its
 * arrival, and a record older than a finished run is dropped.
 */
export function foldRefusals(
  streak: RefusalStreak | null,
  refusals: AccessRefusal[],
  quietMs: number,
): RefusalStreak | null {
  let folded = streak;
  for (const refusal of [...refusals].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const at = Date.parse(refusal.at);
    const { at: _at, ...rest } = refusal;
    if (!folded) {
      folded = { ...rest, firstAt: refusal.at, lastAt: refusal.at };
      continue;
    }
    const arrivedAt =
      Date.parse(refusal.arrivedAt) > Date.parse(folded.arrivedAt) ? refusal.arrivedAt : folded.arrivedAt;
    if (at > Date.parse(folded.lastAt)) {
      const firstAt = at - Date.parse(folded.lastAt) > quietMs ? refusal.at : folded.firstAt;
      folded = {
        ...folded,
        operation: refusal.operation,
        status: refusal.status,
        firstAt,
        lastAt: refusal.at,
        arrivedAt,
      };
    } else if (Date.parse(folded.firstAt) - at <= quietMs) {
      folded = { ...folded, firstAt: at < Date.parse(folded.firstAt) ? refusal.at : folded.firstAt, arrivedAt };
    }
  }
  return folded;
}

/** When a streak goes quiet: one quiet period after its last refusal reached the Event Hub. */
export function quietFrom(streak: RefusalStreak, quietMs: number): number {
  return Date.parse(streak.arrivedAt) + quietMs;
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
