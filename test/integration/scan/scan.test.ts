import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from './scenario.js';

let world: World;
const log: string[] = [];

beforeAll(async () => {
  world = await startWorld(scanScenario());
});
afterAll(() => world?.stop());

async function statuses(): Promise<Map<string, EnvironmentStatus>> {
  const { statuses } = await world.services.stores();
  return new Map([...(await statuses.list())].map(([id, stored]) => [id, stored.value]));
}
const rulesOf = (status: EnvironmentStatus | undefined) => status?.findings.map((f) => f.rule);
const scan = () => world.services.scan((message) => log.push(message));

describe('scan', () => {
  it('evaluates every linked environment from the live chain', async () => {
    const summary = await scan();
    const byId = await statuses();

    for (const id of environments.shared)
      expect(byId.get(id)).toMatchObject({ status: 'healthy', findings: [], vault: 'kv-main', key: 'k-healthy' });
    expect(byId.get(environments.expiring)).toMatchObject({
      status: 'warning',
      findings: [{ rule: 'key-expiring', severity: 'warning' }],
    });
    expect(byId.get(environments.disabled)).toMatchObject({ status: 'outage', findings: [{ rule: 'key-disabled' }] });
    expect(rulesOf(byId.get(environments.revoked))).toEqual(['access-revoked']);
    expect(byId.get(environments.blind)).toMatchObject({ status: 'unknown', findings: [{ rule: 'monitor-blind' }] });
    expect(byId.get(environments.legacy)?.status).toBe('outage');
    expect(rulesOf(byId.get(environments.legacy))).toEqual(['access-revoked', 'vault-recovery-off']);
    expect(byId.get(environments.trial)).toMatchObject({
      status: 'warning',
      findings: [{ rule: 'environment-not-eligible' }],
    });
    expect(byId.has(environments.unprotected)).toBe(false);

    expect(summary).toMatchObject({
      environments: 11,
      byStatus: { healthy: 5, warning: 2, critical: 0, outage: 3, unknown: 1 },
      policies: 6,
      vaults: 3,
      keys: 5,
      failed: 0,
    });
  });

  it('reads each vault, key and identity once, however many environments share them', async () => {
    world.double.resetRequests();
    await scan();
    const requests = world.double.requests();
    expect(requests['arm.getVault']).toBe(3);
    // Keys through Resource Manager: two reads a key (the key carries its rotation policy); the data plane only for
    // the one key ARM refuses the monitor (kv-hidden), and it refuses too.
    expect(requests['arm.getKey']).toBe(5);
    expect(requests['arm.listKeyVersions']).toBe(5);
    expect(requests['keyvault.getKey']).toBe(1);
    expect(requests['keyvault.listKeyVersions']).toBe(1);
    expect(requests['keyvault.getRotationPolicy']).toBe(1);
    // Role assignments once per Key Vault, for every identity on it, whichever its permission model: kv-main
    // (4 identities), kv-hidden, and kv-legacy on access policies (a what-if may switch it to RBAC).
    expect(requests['arm.listRoleAssignments']).toBe(3);
    expect(requests['arm.listEnterprisePolicies']).toBe(1);
    expect(requests['powerPlatform.listEnvironments']).toBe(1);
  });

  it('writes nothing but its heartbeat when nothing changed', async () => {
    await scan();
    world.tables.reset();
    const summary = await scan();
    expect(summary.writes).toEqual({ environments: 0, transactions: 0, chains: 0, links: 0 });
    expect(world.tables.writes).toHaveLength(1);
    expect(world.tables.writes[0]).toMatch(/Scans\(PartitionKey='scan',RowKey='last'\)$/);
  });

  it('records a change, with its history, only for the environments behind the changed key', async () => {
    const versions = world.double.state.versionIds('kv-main', 'k-expiring');
    world.double.state.disableKeyVersion('kv-main', 'k-expiring', versions.length - 1);
    const summary = await scan();
    expect(summary.writes.environments).toBe(1);
    const status = (await statuses()).get(environments.expiring);
    expect(status?.status).toBe('outage');
    expect(rulesOf(status)).toEqual(['key-disabled', 'key-expiring']);
    const { statuses: store } = await world.services.stores();
    expect((await store.history(environments.expiring)).map((h) => [h.from, h.to, h.added, h.removed])).toEqual([
      ['warning', 'outage', ['key-disabled'], []],
      [null, 'warning', ['key-expiring'], []],
    ]);
  });

  it('reports key-missing for every environment of a vault that was deleted', async () => {
    world.double.state.deleteVault('kv-legacy');
    await scan();
    expect((await statuses()).get(environments.legacy)).toMatchObject({
      status: 'outage',
      findings: [{ rule: 'key-missing' }],
    });
  });

  it('keeps watching an environment removed from its policy while its old chain is broken', async () => {
    world.double.state.setEnvironmentPolicy(environments.disabled, null);
    await scan();
    const status = (await statuses()).get(environments.disabled);
    expect(status).toMatchObject({
      status: 'critical',
      policyId: null,
      findings: [{ rule: 'unlinked-chain-broken', severity: 'critical' }],
    });
  });

  it('evaluates a known policy by its last listing when its subscription cannot be listed, and says so', async () => {
    world.double.fault('arm:enterprisePolicies', { status: 403 });
    try {
      const summary = await scan();
      expect(summary.unreadableSubscriptions).toBe(1);
      expect((await statuses()).get(environments.shared[0]!)?.status).toBe('healthy');
      expect(log.some((line) => line.includes('could not be listed'))).toBe(true);
    } finally {
      world.double.clearFaults();
    }
  });

  it('fails without writing anything but the failure when the environment list cannot be read', async () => {
    world.double.fault('powerPlatform', { status: 500 });
    world.tables.reset();
    try {
      await expect(scan()).rejects.toThrow(/500/);
      expect(world.tables.writes).toEqual([
        expect.stringMatching(/^PUT \/devstoreaccount1\/\w*Scans\(PartitionKey='scan',RowKey='failed'\)$/),
      ]);
    } finally {
      world.double.clearFaults();
    }
  });
});
