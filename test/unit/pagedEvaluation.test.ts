import { beforeEach, describe, expect, it } from 'vitest';
import type { ChainHint } from '../../shared/application/hint.js';
import { defaultRuleOptions } from '../../shared/domain/rules/rule.js';
import { reevaluate, TransientReadError } from '../../shared/application/reevaluate.js';
import { reevaluateThenAlert } from '../../shared/application/reevaluateThenAlert.js';
import { scan, type ScanDependencies } from '../../shared/application/scan.js';
import {
  MemoryInventory,
  MemoryChainStore,
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
const other = policyOf({
  id: `${policy.id}-other`,
  name: 'ep-other',
  keyName: 'other-key',
  principalId: '99999999-2222-3333-4444-555555555555',
});
const environments = [
  environmentOf({ id: 'env-1' }),
  environmentOf({ id: 'env-2', displayName: 'Contoso Sandbox', sku: 'Sandbox' }),
  environmentOf({ id: 'env-3', displayName: 'Fabrikam', policyId: other.id }),
];

let truth: MemoryTruth;
let statuses: MemoryStatusStore;
let links: MemoryLinkStore;
let scans: MemoryScanStore;
let chains: MemoryChainStore;
let deps: ScanDependencies;

beforeEach(() => {
  truth = new MemoryTruth();
  truth.vaults.set('kv-contoso', vaultOf());
  truth.keys.set('kv-contoso/cmk-key', keyOf());
  truth.keys.set('kv-contoso/other-key', keyOf({ name: 'other-key' }));
  truth.grantsOf.set(PRINCIPAL_ID, [grantOf()]);
  truth.grantsOf.set(other.principalId, [grantOf()]);
  statuses = new MemoryStatusStore();
  links = new MemoryLinkStore();
  scans = new MemoryScanStore();
  chains = new MemoryChainStore();
  deps = {
    inventory: new MemoryInventory([policy, other], environments),
    truth: () => truth,
    statuses,
    chains,
    links,
    scans,
    refusals: { list: async () => [] },
    ruleOptions: defaultRuleOptions,
    concurrency: 4,
    log: () => undefined,
  };
});

const keyHint = (keyName: string): ChainHint => ({
  kind: 'key',
  vaultId: null,
  vaultName: 'kv-contoso',
  keyName,
  version: null,
});
const statusOf = (id: string) => statuses.rows.get(id)?.value;
const reevaluation = () => ({
  truth: () => truth,
  statuses,
  chains,
  links: async () => links.links(),
  ruleOptions: defaultRuleOptions,
  concurrency: 4,
  refusals: async () => [],
});

describe('scan', () => {
  it('evaluates every environment of the inventory, records what changed, its links and its summary', async () => {
    const summary = await scan(deps, NOW);
    expect(summary).toMatchObject({
      environments: 3,
      byStatus: { healthy: 3 },
      policies: 2,
      vaults: 1,
      keys: 2,
      failed: 0,
      writes: { environments: 3 },
    });
    expect([...statuses.rows.keys()].sort()).toEqual(['env-1', 'env-2', 'env-3']);
    expect(links.links().map((link) => link.policyId)).toEqual([policy.id, policy.id, other.id]);
    expect(scans.records.map((record) => record.at)).toEqual([NOW.toISOString()]);
  });

  it('reads each vault, key and access once however many environments share them', async () => {
    await scan(deps, NOW);
    // One vault, two keys, two identities.
    expect(truth.reads).toBe(5);
  });

  it('writes nothing on a second scan that finds the same, and only what changed after', async () => {
    await scan(deps, NOW);
    expect((await scan(deps, NOW)).writes.environments).toBe(0);
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    const summary = await scan(deps, fromNow(DAY));
    expect(summary.writes.environments).toBe(2);
    expect(statusOf('env-1')).toMatchObject({ status: 'outage', findings: [{ rule: 'key-disabled' }] });
    expect(statusOf('env-3')?.status).toBe('healthy');
  });

  it('drops the status of an environment that left the inventory and keeps what it left behind', async () => {
    await scan(deps, NOW);
    deps.inventory = new MemoryInventory([policy, other], environments.slice(0, 2));
    await scan(deps, fromNow(DAY));
    expect(statusOf('env-3')).toBeUndefined();
    expect(statuses.changes.filter((change) => change.environmentId === 'env-3').map((change) => change.to)).toEqual([
      'healthy',
      null,
    ]);
  });

  it('never takes a vault it cannot read as healthy', async () => {
    truth.blind.add(VAULT_ID.toLowerCase());
    const summary = await scan(deps, NOW);
    expect(summary.byStatus.unknown).toBe(3);
  });
});

describe('re-evaluating a chain an event names', () => {
  beforeEach(() => scan(deps, NOW));

  it('re-reads only the chain the hint names and re-evaluates only the environments behind it', async () => {
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    truth.reads = 0;
    const result = await reevaluate(reevaluation(), keyHint('cmk-key'), 'KeyVault event', fromNow(DAY));
    expect(result).toMatchObject({ environments: 2, changed: 2, policies: 1 });
    expect(result.statuses.map((status) => status.status)).toEqual(['outage', 'outage']);
    expect(statusOf('env-3')?.status).toBe('healthy');
    expect(truth.reads).toBe(3);
  });

  it('changes nothing when run twice, and takes the truth, not the order of events', async () => {
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    const hint = keyHint('cmk-key');
    await reevaluate(reevaluation(), hint, 'first', fromNow(DAY));
    expect((await reevaluate(reevaluation(), hint, 'again', fromNow(DAY))).changed).toBe(0);
    truth.keys.set('kv-contoso/cmk-key', keyOf());
    await reevaluate(reevaluation(), hint, 'late event of the disable', fromNow(2 * DAY));
    expect(statusOf('env-1')?.status).toBe('healthy');
  });

  it('replans against what another writer committed first', async () => {
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    statuses.beforeCommit = () => {
      const current = statuses.rows.get('env-1');
      if (current) statuses.put({ ...current.value, observedAt: fromNow(DAY).toISOString() });
      statuses.beforeCommit = () => undefined;
    };
    await reevaluate(reevaluation(), keyHint('cmk-key'), 'event', fromNow(DAY));
    expect(statusOf('env-1')?.status).toBe('outage');
  });

  it('keeps the chains it re-read, as a scan does, and only those', async () => {
    truth.keys.set('kv-contoso/cmk-key', keyOf({}, { enabled: false }));
    await reevaluate(reevaluation(), keyHint('cmk-key'), 'KeyVault event', fromNow(DAY));
    expect(chains.rows.get(policy.id.toLowerCase())).toMatchObject({
      observedAt: fromNow(DAY).toISOString(),
      chain: { key: { kind: 'found', value: keyOf({}, { enabled: false }) } },
    });
    expect(chains.rows.get(other.id.toLowerCase())?.observedAt).toBe(NOW.toISOString());
  });

  it('ignores a hint about something no policy uses', async () => {
    expect(await reevaluate(reevaluation(), keyHint('unused'), 'event', NOW)).toEqual({
      environments: 0,
      changed: 0,
      policies: 0,
      statuses: [],
    });
  });

  it('commits what it could evaluate, then asks for the event again when a read may pass later', async () => {
    truth.blind.add(VAULT_ID.toLowerCase());
    const run = reevaluate(reevaluation(), { kind: 'vault', vaultId: VAULT_ID }, 'event', fromNow(DAY));
    await expect(run).rejects.toBeInstanceOf(TransientReadError);
    expect(statusOf('env-1')?.status).toBe('unknown');
  });
});

describe('re-evaluating, as an event sets it off', () => {
  const changed = { environments: 2, changed: 1, policies: 1, statuses: [] };

  it('decides alerts only for what changed, scoped to the statuses it left', async () => {
    const scopes: unknown[] = [];
    const alert = async (_log: unknown, _now: unknown, scope: unknown) => {
      scopes.push(scope);
      return { queued: 1, sent: 1, failed: 0, waiting: 0 };
    };
    expect(
      await reevaluateThenAlert(
        { reevaluate: async () => changed, alert },
        { kind: 'vault', vaultId: VAULT_ID },
        'event',
        () => undefined,
      ),
    ).toEqual({
      environments: 2,
      changed: 1,
      alerts: { queued: 1, sent: 1, failed: 0, waiting: 0 },
      alertsError: null,
    });
    await reevaluateThenAlert(
      { reevaluate: async () => ({ ...changed, changed: 0 }), alert },
      { kind: 'vault', vaultId: VAULT_ID },
      'event',
      () => undefined,
    );
    expect(scopes).toEqual([[]]);
  });

  it('keeps the evaluation when the alert step fails: the delivery timer decides again', async () => {
    const alert = async () => {
      throw new Error('Table Storage 503');
    };
    expect(
      await reevaluateThenAlert(
        { reevaluate: async () => changed, alert },
        { kind: 'vault', vaultId: VAULT_ID },
        'event',
        () => undefined,
      ),
    ).toMatchObject({ changed: 1, alerts: null, alertsError: 'Table Storage 503' });
  });
});
