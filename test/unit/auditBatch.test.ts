import { describe, expect, it } from 'vitest';
import { readAuditBatch } from '../../shared/adapters/events/auditRecord.js';
import { handleAuditBatch, type AuditBatchDependencies } from '../../shared/application/auditBatch.js';
import type { Link } from '../../shared/domain/links.js';
import type { AccessRefusal, RefusalStreak } from '../../shared/domain/refusals.js';
import type { ChainHint } from '../../shared/application/hint.js';
import type { EventOutcome } from '../../shared/application/ports/stores.js';
import { policyOf, PRINCIPAL_ID, VAULT_ID } from './domain/builders.js';

const MONITOR_CLIENT = '7c1e9a2b-4d3f-4a6e-8b5c-2f1e0d9c8b7a';
const STRANGER = '99999999-8888-4777-8666-555555555555';
const RECORD_VAULT = VAULT_ID.toUpperCase();

function record(
  operationName: string,
  status: number,
  key = 'cmk-key',
  caller = PRINCIPAL_ID,
  application = '1950a258-227b-4e31-a9cf-717495945fc2',
) {
  return {
    time: '2026-12-02T10:15:01Z',
    resourceId: RECORD_VAULT,
    operationName,
    category: 'AuditEvent',
    identity: { claim: { oid: caller, appid: application } },
    properties: { id: `https://kv-contoso.vault.azure.net/keys/${key}`, httpStatusCode: status },
  };
}

/** In-memory ports that write down, in order, what the use case did. */
function world(options: { failReevaluation?: boolean; streaks?: RefusalStreak[] } = {}) {
  const steps: string[] = [];
  const rejected: { reason: string; payload: unknown }[] = [];
  const counts: EventOutcome[] = [];
  const recorded: AccessRefusal[] = [];
  const beats: string[] = [];
  const link: Link = {
    environmentId: 'env-1',
    environment: { displayName: 'Contoso', location: 'europe', sku: 'Production', managed: true, linkStatus: 'Linked' },
    policyId: policyOf().id,
    policy: policyOf(),
    previous: null,
    linkStatusSince: null,
  };
  const deps: AuditBatchDependencies = {
    links: async () => [link],
    refusals: {
      record: async (refusals) => {
        steps.push(`record ${refusals.length}`);
        recorded.push(...refusals);
        return refusals.length;
      },
      list: async () => options.streaks ?? [],
    },
    quietMs: 30 * 60_000,
    heartbeat: async (at) => void beats.push(at),
    events: {
      reject: async ({ reason, payload }) => void rejected.push({ reason, payload }),
      count: async (outcome) => void counts.push(outcome),
    },
    reevaluateThenAlert: async (hint: ChainHint, source: string) => {
      if (options.failReevaluation) throw new Error('Key Vault answered 503');
      steps.push(`reevaluateThenAlert ${hint.kind} ${hint.kind === 'key' ? hint.keyName : ''} ${source}`.trim());
      return {
        environments: hint.kind === 'key' && hint.keyName === 'cmk-key' ? 1 : 0,
        changed: 1,
        alerts: null,
        alertsError: null,
      };
    },
  };
  return { deps, steps, rejected, counts, recorded, beats };
}

/** When Event Hubs enqueued the messages: 45 s after the records' time. */
const ENQUEUED = new Date('2026-12-02T10:15:46Z');
const run = (
  deps: AuditBatchDependencies,
  messages: unknown[],
  enqueuedAt: Date | null = ENQUEUED,
  now = new Date('2026-12-02T10:16:00Z'),
) =>
  handleAuditBatch(
    deps,
    readAuditBatch(
      messages.map((message) => ({ message, enqueuedAt })),
      MONITOR_CLIENT,
      now,
    ),
    'keyVaultAuditEvents',
    () => undefined,
    now,
  );

describe('handleAuditBatch', () => {
  it('re-reads each key once however many records name it, and counts what it did', async () => {
    const { deps, steps, counts, beats } = world();
    const result = await run(deps, [
      { records: [record('KeyUpdate', 200), record('KeyUpdate', 200)] },
      { records: [record('KeyDelete', 200), record('KeyUpdate', 200, 'other-key')] },
    ]);
    expect(beats).toHaveLength(1);
    expect(steps).toEqual([
      'reevaluateThenAlert key cmk-key AuditEvent.KeyUpdate',
      'reevaluateThenAlert key other-key AuditEvent.KeyUpdate',
    ]);
    expect(result).toEqual({ records: 4, rejected: 0, ignored: 0, refusals: 0, hints: 2, environments: 1, changed: 2 });
    expect(counts.sort()).toEqual(['processed', 'unaffected']);
  });

  it("records a policy identity's refused calls, as the inventory spells the vault, before re-evaluating", async () => {
    const { deps, steps, recorded } = world();
    await run(deps, [{ records: [record('KeyUnwrap', 403), record('KeyWrap', 403)] }]);
    expect(steps).toEqual(['record 2', 'reevaluateThenAlert key cmk-key AuditEvent.KeyUnwrap']);
    expect(recorded[0]).toMatchObject({
      vaultId: VAULT_ID,
      vaultName: 'kv-contoso',
      principalId: PRINCIPAL_ID,
      operation: 'KeyUnwrap',
      status: 403,
    });
  });

  it('dates each refusal by when Event Hubs enqueued its message, or by now when the trigger did not say', async () => {
    const { deps, recorded } = world();
    await run(deps, [{ records: [record('KeyWrap', 403)] }]);
    await run(deps, [{ records: [record('KeyWrap', 403)] }], null, new Date('2026-12-02T10:17:00Z'));
    expect(recorded.map(({ at, arrivedAt }) => ({ at, arrivedAt }))).toEqual([
      { at: '2026-12-02T10:15:01.000Z', arrivedAt: '2026-12-02T10:15:46.000Z' },
      { at: '2026-12-02T10:15:01.000Z', arrivedAt: '2026-12-02T10:17:00.000Z' },
    ]);
  });

  it('keeps a refusal dated after its arrival, or before the hub would still hold it, with its reason, and does nothing with it', async () => {
    const { deps, steps, rejected, counts, recorded } = world();
    const forged = { ...record('KeyWrap', 403), time: '9999-12-31T00:00:00Z' };
    const result = await run(
      deps,
      [{ records: [forged] }, { records: [record('KeyWrap', 403)] }],
      new Date('2026-12-03T10:15:02Z'),
    );
    expect(rejected).toEqual([
      {
        reason: expect.stringMatching(
          /^record\.time: expected a time at most 5 minutes after the record reached the Event Hub \(2026-12-03T10:15:02\.000Z\)/,
        ) as unknown,
        payload: forged,
      },
      {
        reason: expect.stringMatching(/^record\.time: expected a time at most 24 hours/) as unknown,
        payload: record('KeyWrap', 403),
      },
    ]);
    expect({ steps, recorded, counts }).toEqual({ steps: [], recorded: [], counts: ['rejected', 'rejected'] });
    expect(result).toMatchObject({ records: 2, rejected: 2, refusals: 0, hints: 0 });
  });

  it("leaves alone refusals of anyone but a policy identity on its vault, and the monitor's own calls", async () => {
    const { deps, steps, counts } = world();
    const otherVault = {
      ...record('KeyUnwrap', 403),
      resourceId: RECORD_VAULT.replace('KV-CONTOSO', 'KV-OTHER'),
      properties: { id: 'https://kv-other.vault.azure.net/keys/cmk-key', httpStatusCode: 403 },
    };
    const result = await run(deps, [
      {
        records: [
          record('KeyUnwrap', 403, 'cmk-key', STRANGER),
          otherVault,
          record('KeyUpdate', 200, 'cmk-key', STRANGER, MONITOR_CLIENT),
        ],
      },
    ]);
    expect(steps).toEqual([]);
    expect(result).toMatchObject({ ignored: 3, refusals: 0, hints: 0 });
    expect(counts).toEqual(['ignored', 'ignored', 'ignored']);
  });

  it('keeps a malformed message or record with its reason and goes on with the rest', async () => {
    const { deps, steps, rejected, counts } = world();
    const { operationName: _o, ...noOperation } = record('KeyUpdate', 200);
    const result = await run(deps, ['not json', { records: [noOperation, record('KeyUpdate', 200)] }]);
    expect(rejected).toEqual([
      { reason: expect.stringContaining('message: expected JSON') as unknown, payload: 'not json' },
      { reason: expect.stringMatching(/^record\.operationName: /) as unknown, payload: noOperation },
    ]);
    expect(steps).toEqual(['reevaluateThenAlert key cmk-key AuditEvent.KeyUpdate']);
    expect(result).toMatchObject({ records: 2, rejected: 2, hints: 1 });
    expect(counts.sort()).toEqual(['processed', 'rejected', 'rejected']);
  });

  it("re-reads a key when its identity's calls succeed again after refusals have gone quiet since they arrived, not before", async () => {
    const streak = (arrivedAt: string): RefusalStreak => ({
      vaultId: VAULT_ID,
      vaultName: 'kv-contoso',
      keyName: 'cmk-key',
      principalId: PRINCIPAL_ID,
      operation: 'KeyUnwrap',
      status: 403,
      firstAt: '2026-12-02T08:00:00Z',
      lastAt: '2026-12-02T08:00:00Z',
      arrivedAt,
    });
    const recovered = world({ streaks: [streak('2026-12-02T09:45:30Z')] });
    await run(recovered.deps, [{ records: [record('KeyUnwrap', 200), record('KeyWrap', 200)] }]);
    expect(recovered.steps).toEqual(['reevaluateThenAlert key cmk-key AuditEvent.KeyUnwrap']);
    for (const arrivedAt of ['2026-12-02T10:00:00Z', '2026-12-02T08:00:00Z']) {
      const { deps, steps, counts } = world({ streaks: [streak(arrivedAt)] });
      await run(deps, [{ records: [record('KeyUnwrap', 200)] }]);
      expect(steps, arrivedAt).toEqual([]);
      expect(counts).toEqual(['ignored']);
    }
    const never = world();
    await run(never.deps, [{ records: [record('KeyUnwrap', 200)] }]);
    expect(never.steps).toEqual([]);
  });

  it('fails the batch when a read fails, so the host delivers it again', async () => {
    const { deps } = world({ failReevaluation: true });
    await expect(run(deps, [{ records: [record('KeyUpdate', 200)] }])).rejects.toThrow('503');
  });
});
