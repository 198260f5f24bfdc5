import pLimit from 'p-limit';
import type { Link } from '../domain/links.js';
import { quietFrom, streaksOf, type AccessRefusal, type RefusalStreak } from '../domain/refusals.js';
import { nameOf } from '../domain/resourceIds.js';
import type { AuditMessage, AuditSummary } from './auditReading.js';
import { hintKey, type ChainHint } from './hint.js';
import type { ReevaluationOutcome } from './reevaluateThenAlert.js';
import type { EventOutcome } from './ports/stores.js';

/** Keys or vaults of one batch re-read at once: each re-read has its own reads in flight. */
const hintsInFlight = 4;

export interface AuditBatchDependencies {
  links(): Promise<Link[]>;
  refusals: { record(refusals: AccessRefusal[]): Promise<number>; list(): Promise<RefusalStreak[]> };
  /** How long a policy identity's calls must go unrefused before key-access-failing clears. */
  quietMs: number;
  events: {
    reject(event: { receivedAt: string; functionName: string; reason: string; payload: unknown }): Promise<void>;
    count(outcome: EventOutcome): Promise<void>;
  };
  reevaluateThenAlert(hint: ChainHint, source: string, log: (message: string) => void): Promise<ReevaluationOutcome>;
  /** Records that a batch came: a diagnostic setting that stops streaming shows on the health page. */
  heartbeat(at: string): Promise<void>;
}

export interface AuditBatchResult {
  records: number;
  rejected: number;
  ignored: number;
  /** Refused calls of policy identities, recorded. */
  refusals: number;
  /** Distinct parts of chains re-read (one per key or vault, however many records named it). */
  hints: number;
  environments: number;
  changed: number;
}

/**
 * One batch of Key Vault audit records from the Event Hub, each record read on its own: a malformed one is kept with
 * its reason and the rest go on; refused calls of policy identities are recorded, with when they arrived, before
 * anything is re-evaluated, so the re-evaluation sees them; then each key or vault the batch names is re-read once,
 * through the same path as an Event Grid event. A failure to read or write throws, and the host delivers the batch
 * again: every step is safe to repeat.
 */
export async function handleAuditBatch(
  deps: AuditBatchDependencies,
  messages: AuditMessage[],
  functionName: string,
  log: (message: string) => void,
  now = new Date(),
): Promise<AuditBatchResult> {
  const result: AuditBatchResult = {
    records: 0,
    rejected: 0,
    ignored: 0,
    refusals: 0,
    hints: 0,
    environments: 0,
    changed: 0,
  };
  const receivedAt = now.toISOString();
  const outcomes: EventOutcome[] = [];
  const reject = async (reason: string, payload: unknown) => {
    result.rejected++;
    outcomes.push('rejected');
    log(`Rejected an audit record: ${reason}`);
    await deps.events.reject({ receivedAt, functionName, reason, payload });
  };
  const hints = new Map<string, { hint: ChainHint; record: AuditSummary }>();
  const refusals: AccessRefusal[] = [];
  let streaks: Promise<RefusalStreak[]> | null = null;
  // A refusal counts only for a policy identity on its own vault, and is kept as the inventory spells that vault.
  const policyVaults = new Map<string, { vaultId: string; vaultName: string }>();
  for (const policy of (await deps.links()).flatMap((link) => [link.policy, link.previous?.policy])) {
    if (!policy) continue;
    const vaultName = nameOf(policy.vaultId);
    policyVaults.set(`${policy.principalId}|${vaultName}`.toLowerCase(), { vaultId: policy.vaultId, vaultName });
  }

  for (const message of messages) {
    if (message.kind === 'rejected') {
      await reject(message.reason, message.message);
      continue;
    }
    for (const { raw, reading } of message.records) {
      result.records++;
      if (reading.kind === 'rejected') {
        await reject(reading.reason, raw);
        continue;
      }
      const call = reading.kind === 'refusal' ? reading.refusal : reading.kind === 'use' ? reading.use : null;
      const policyVault = call ? policyVaults.get(`${call.principalId}|${call.vaultName}`.toLowerCase()) : null;
      streaks ??= reading.kind === 'use' && policyVault ? deps.refusals.list() : null;
      const recovering =
        reading.kind === 'use' &&
        policyVault &&
        streaks &&
        ended(await streaks, { ...reading.use, ...policyVault }, deps.quietMs);
      if (reading.kind === 'ignored' || policyVault === undefined || (reading.kind === 'use' && !recovering)) {
        result.ignored++;
        outcomes.push('ignored');
        continue;
      }
      if (reading.kind === 'refusal' && policyVault) refusals.push({ ...reading.refusal, ...policyVault });
      if (!hints.has(hintKey(reading.hint)))
        hints.set(hintKey(reading.hint), { hint: reading.hint, record: reading.record });
    }
  }

  result.refusals = refusals.length;
  if (refusals.length) await deps.refusals.record(refusals);
  result.hints = hints.size;
  const limit = pLimit(hintsInFlight);
  await Promise.all(
    [...hints.values()].map(({ hint, record }) =>
      limit(async () => {
        const evaluated = await deps.reevaluateThenAlert(hint, `AuditEvent.${record.operation}`, log);
        result.environments += evaluated.environments;
        result.changed += evaluated.changed;
        outcomes.push(evaluated.environments ? 'processed' : 'unaffected');
        if (evaluated.alertsError)
          log(
            `Alerts not decided for AuditEvent.${record.operation} on vault ${record.vaultName} (the alertDelivery timer will): ${evaluated.alertsError}`,
          );
      }),
    ),
  );
  await Promise.all([...outcomes.map((outcome) => deps.events.count(outcome)), deps.heartbeat(receivedAt)]);
  return result;
}

/** Refusals before this call have gone quiet for long enough to clear, within the last hour: its chain is worth a re-read. */
function ended(
  streaks: RefusalStreak[],
  use: { vaultId: string; keyName: string | null; principalId: string; arrivedAt: string },
  quietMs: number,
): boolean {
  const since = Date.parse(use.arrivedAt);
  return streaksOf({ vaultId: use.vaultId, keyName: use.keyName ?? '', principalId: use.principalId }, streaks).some(
    (streak) => {
      const quiet = quietFrom(streak, quietMs);
      return quiet <= since && since < quiet + 3_600_000;
    },
  );
}
