import { describe, expect, it } from 'vitest';
import type { AlertRun } from '../../shared/application/alerting.js';
import { coalesce } from '../../shared/application/coalesce.js';
import {
  handleEventGridEvent,
  type EventGridEventDependencies,
  type EventReading,
} from '../../shared/application/eventGridEvent.js';
import { hintKey, type ChainHint } from '../../shared/application/hint.js';
import { reevaluate, TransientReadError } from '../../shared/application/reevaluate.js';
import {
  reevaluateThenAlert,
  type ReevaluateThenAlertDependencies,
} from '../../shared/application/reevaluateThenAlert.js';
import { scan } from '../../shared/application/scan.js';
import type { EnvironmentStatus } from '../../shared/domain/environmentStatus.js';
import { defaultRuleOptions } from '../../shared/domain/rules/rule.js';
import { MemoryEventStore } from '../support/memory/events.js';
import {
  MemoryChainStore,
  MemoryInventory,
  MemoryLinkStore,
  MemoryScanStore,
  MemoryStatusStore,
  MemoryTruth,
} from '../support/memory/evaluating.js';
import {
  DAY,
  environmentOf,
  fromNow,
  grantOf,
  keyOf,
  NOW,
  policyOf,
  PRINCIPAL_ID,
  VAULT_ID,
  vaultOf,
} from './domain/builders.js';

const policy = policyOf();
const environments = [
  environmentOf({ id: 'env-1' }),
  environmentOf({ id: 'env-2', displayName: 'Contoso Sandbox', sku: 'Sandbox' }),
];
const summary = { id: 'event-1', type: 'Microsoft.KeyVault.KeyNearExpiry', subject: 'cmk-key' };
const keyHint = (keyName = 'cmk-key'): ChainHint => ({
  kind: 'key',
  vaultId: VAULT_ID,
  vaultName: 'kv-contoso',
  keyName,
  version: null,
});
const hint = (keyName?: string): EventReading => ({ kind: 'hint', event: summary, hint: keyHint(keyName) });

/**
 * The use case over in-memory ports, with the real re-evaluation behind it (re-read, re-evaluate, then alerts decided for
 * what changed), coalesced as the composition root wires it; a scan has evaluated the tenant first.
 */
async function monitor() {
  const truth = new MemoryTruth();
  truth.vaults.set('kv-contoso', vaultOf());
  truth.keys.set('kv-contoso/cmk-key', keyOf());
  truth.grantsOf.set(PRINCIPAL_ID, [grantOf()]);
  const statuses = new MemoryStatusStore();
  const chains = new MemoryChainStore();
  const links = new MemoryLinkStore();
  const refusals = { list: async () => [] };
  await scan(
    {
      inventory: new MemoryInventory([policy], environments),
      truth: () => truth,
      statuses,
      chains,
      links,
      scans: new MemoryScanStore(),
      refusals,
      ruleOptions: defaultRuleOptions,
      concurrency: 4,
      log: () => undefined,
    },
    NOW,
  );
  truth.reads = 0;
  const events = new MemoryEventStore();
  const scopes: EnvironmentStatus[][] = [];
  const steps: ReevaluateThenAlertDependencies = {
    reevaluate: (chainHint, source) =>
      reevaluate(
        {
          truth: () => truth,
          statuses,
          chains,
          links: async () => links.links(),
          ruleOptions: defaultRuleOptions,
          concurrency: 4,
          refusals: refusals.list,
        },
        chainHint,
        source,
        fromNow(DAY),
      ),
    alert: async (_log, _now, scope): Promise<AlertRun> => {
      scopes.push(scope);
      return { queued: scope.length, sent: 0, failed: 0, waiting: 0 };
    },
  };
  const once = coalesce((input: { hint: ChainHint; source: string; log: (message: string) => void }) =>
    reevaluateThenAlert(steps, input.hint, input.source, input.log),
  );
  const deps: EventGridEventDependencies = {
    events,
    reevaluateThenAlert: (chainHint, source, log) =>
      once(`${source}\n${hintKey(chainHint)}`, { hint: chainHint, source, log }),
  };
  const deliver = (reading: EventReading, payload: unknown = { id: summary.id }, with_ = deps) =>
    handleEventGridEvent(with_, { reading, payload, functionName: 'keyVaultEvents' }, () => undefined, NOW);
  const changesTo = (to: string) => statuses.changes.filter((change) => change.to === to);
  return { truth, statuses, events, scopes, deps, deliver, changesTo };
}

describe('an Event Grid event', () => {
  it('keeps a rejected event with its reason and payload, counts it, and re-reads nothing', async () => {
    const { truth, statuses, events, deliver } = await monitor();
    const changes = statuses.changes.length;
    const reason = 'data.exp: expected Unix seconds as a number, a numeric string or null';
    const result = await deliver({ kind: 'rejected', reason }, { id: 'bad-one', data: { EXP: 'soon' } });
    expect(result).toEqual({ outcome: 'rejected', reason });
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]).toMatchObject({ receivedAt: NOW.toISOString(), functionName: 'keyVaultEvents', reason });
    expect(events.rows[0]?.payload).toContain('"EXP":"soon"');
    expect(events.tally).toEqual({ processed: 0, unaffected: 0, ignored: 0, rejected: 1 });
    expect(truth.reads).toBe(0);
    expect(statuses.changes).toHaveLength(changes);
  });

  it('counts an event of a kind the monitor does not watch, keeps nothing and re-reads nothing', async () => {
    const { truth, events, deliver } = await monitor();
    const reading: EventReading = {
      kind: 'ignored',
      event: { ...summary, type: 'Microsoft.KeyVault.SecretNewVersionCreated' },
      reason: 'secrets and certificates do not encrypt environments',
    };
    expect(await deliver(reading)).toEqual({ outcome: 'ignored', event: reading.event, reason: reading.reason });
    expect(events.tally).toEqual({ processed: 0, unaffected: 0, ignored: 1, rejected: 0 });
    expect(events.rows).toEqual([]);
    expect(truth.reads).toBe(0);
  });

  it('re-reads the chain a hint names, re-evaluates the environments behind it, decides their alerts and counts it', async () => {
    const { truth, statuses, events, scopes, deliver, changesTo } = await monitor();
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    const result = await deliver(hint());
    expect(result).toMatchObject({
      outcome: 'processed',
      event: summary,
      evaluated: { environments: 2, changed: 2, alerts: { queued: 2 }, alertsError: null },
    });
    expect(truth.reads).toBeGreaterThan(0);
    expect(statuses.rows.get('env-1')?.value.status).toBe('outage');
    // The event's type is the source of the change it caused.
    expect(changesTo('outage').map((change) => [change.environmentId, change.source])).toEqual([
      ['env-1', summary.type],
      ['env-2', summary.type],
    ]);
    expect(scopes.map((scope) => scope.map((status) => status.environmentId).sort())).toEqual([['env-1', 'env-2']]);
    expect(events.tally).toEqual({ processed: 1, unaffected: 0, ignored: 0, rejected: 0 });
  });

  it('counts a hint no environment stands behind as unaffected', async () => {
    const { events, scopes, deliver } = await monitor();
    expect(await deliver(hint('unused-key'))).toMatchObject({
      outcome: 'unaffected',
      evaluated: { environments: 0, changed: 0, alerts: null },
    });
    expect(scopes).toEqual([]);
    expect(events.tally).toEqual({ processed: 0, unaffected: 1, ignored: 0, rejected: 0 });
  });

  it('asks for the event again when the truth cannot be read for now, showing the environments unknown meanwhile', async () => {
    const { truth, statuses, events, scopes, deliver } = await monitor();
    truth.blind.add(VAULT_ID.toLowerCase());
    const result = await deliver(hint());
    expect(result).toMatchObject({ outcome: 'retry', event: summary });
    expect(result.outcome === 'retry' && result.error).toBeInstanceOf(TransientReadError);
    expect(result.outcome === 'retry' && result.error.message).toMatch(/Event Grid will retry/);
    expect(statuses.rows.get('env-1')?.value.status).toBe('unknown');
    expect(scopes).toEqual([]);
    // Counted by the delivery that succeeds, not this one.
    expect(events.tally).toEqual({ processed: 0, unaffected: 0, ignored: 0, rejected: 0 });
  });

  it('throws any other failure, counting nothing', async () => {
    const { events, deps, deliver } = await monitor();
    const failing: EventGridEventDependencies = {
      ...deps,
      reevaluateThenAlert: async () => {
        throw new Error('Statuses not saved for Microsoft.KeyVault.KeyNearExpiry: Table Storage 503');
      },
    };
    await expect(deliver(hint(), {}, failing)).rejects.toThrow(/Statuses not saved/);
    expect(events.tally).toEqual({ processed: 0, unaffected: 0, ignored: 0, rejected: 0 });
  });

  it('is harmless delivered twice, one after the other or at once: the status and its alerts change once', async () => {
    const { truth, events, scopes, deliver, changesTo } = await monitor();
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    await deliver(hint());
    expect(await deliver(hint())).toMatchObject({
      outcome: 'processed',
      evaluated: { environments: 2, changed: 0, alerts: null },
    });
    expect(changesTo('outage')).toHaveLength(2);
    expect(scopes).toHaveLength(1);

    truth.keys.set('kv-contoso/cmk-key', keyOf());
    const twice = await Promise.all([deliver(hint()), deliver(hint())]);
    expect(twice.map((result) => result.outcome)).toEqual(['processed', 'processed']);
    expect(changesTo('healthy')).toHaveLength(2 + 2);
    expect(scopes).toHaveLength(2);
    expect(events.tally).toEqual({ processed: 4, unaffected: 0, ignored: 0, rejected: 0 });
  });
});
