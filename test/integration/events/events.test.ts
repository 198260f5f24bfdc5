import { InvocationContext, type EventGridEvent } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEventHandler } from '../../../functions/events.js';
import { createServices, type Services } from '../../../shared/composition/index.js';
import { asCloudEvent, keyVaultEvent, roleAssignmentEvent } from '../../support/eventPayloads.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, principals, scanScenario } from '../scan/scenario.js';

let world: World;
let log: string[];

beforeAll(async () => {
  world = await startWorld(scanScenario());
});
afterAll(() => world?.stop());
beforeEach(async () => {
  log = [];
  await world.services.scan(() => undefined);
});

function deliver(event: unknown, services: Services = world.services): Promise<void> {
  const context = new InvocationContext({
    invocationId: 'test',
    functionName: 'keyVaultEvents',
    logHandler: (level, ...args) => log.push(`${level}: ${args.join(' ')}`),
  });
  return createEventHandler(() => services)(event as EventGridEvent, context) as Promise<void>;
}

async function statusOf(environmentId: string) {
  const { statuses } = await world.services.stores();
  const stored = await statuses.get(environmentId);
  return {
    status: stored?.value.status,
    rules: stored?.value.findings.map((finding) => finding.rule),
    history: await statuses.history(environmentId),
  };
}

const currentVersion = (vault: string, key: string) => world.double.state.versionIds(vault, key).at(-1) ?? '';

describe('an event is a hint to re-read the truth', () => {
  it('turns the environments behind a disabled key version into outages', async () => {
    const version = currentVersion('kv-main', 'k-healthy');
    world.double.state.disableKeyVersion('kv-main', 'k-healthy', version);
    await deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version));

    for (const id of environments.shared)
      expect(await statusOf(id)).toMatchObject({
        status: 'outage',
        rules: expect.arrayContaining(['key-disabled']) as unknown,
      });
    expect((await statusOf(environments.expiring)).status).toBe('warning');
    world.double.state.updateKeyVersion('kv-main', 'k-healthy', version, { enabled: true });
    await deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version));
    expect((await statusOf(environments.shared[0]!)).status).toBe('healthy');
  });

  it('reads only the chains behind the event, not every key', async () => {
    world.double.resetRequests();
    await deliver(
      keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', currentVersion('kv-main', 'k-expiring')),
    );
    const requests = world.double.requests();
    expect(requests['arm.getKey']).toBe(1);
    expect(
      Object.keys(requests).filter((kind) => kind.startsWith('powerplatform') || kind === 'arm.listEnterprisePolicies'),
    ).toEqual([]);
  });

  it('gives access-revoked when a role assignment deletion arrives as a CloudEvent', async () => {
    const grant = world.double.state.roleAssignments.find(
      (assignment) => assignment.principalId === principals.healthy,
    );
    if (!grant) throw new Error('scenario has no grant for the healthy principal');
    world.double.state.deleteRoleAssignment(grant.id);
    await deliver(asCloudEvent(roleAssignmentEvent(world.double, grant.id, 'delete')));
    expect(await statusOf(environments.shared[1]!)).toMatchObject({ status: 'outage', rules: ['access-revoked'] });

    world.double.state.putRoleAssignment(grant);
    await deliver(roleAssignmentEvent(world.double, grant.id, 'write'));
    expect((await statusOf(environments.shared[1]!)).status).toBe('healthy');
  });

  it('acknowledges and counts events for keys no policy uses, secrets, and other types, writing no status', async () => {
    const { events } = await world.services.stores();
    const before = await events.counts(new Date());
    world.tables.reset();
    world.double.state.createKeyVersion('kv-main', 'k-unused');
    await deliver(
      keyVaultEvent(world.double, 'KeyNewVersionCreated', 'kv-main', 'k-unused', currentVersion('kv-main', 'k-unused')),
    );
    await deliver({
      ...keyVaultEvent(world.double, 'SecretNearExpiry', 'kv-main', 'db-password'),
      data: { ObjectName: 'db-password' },
    });
    expect(world.tables.writes.filter((write) => !write.includes('Events'))).toEqual([]);
    const after = await events.counts(new Date());
    expect([after.unaffected - before.unaffected, after.ignored - before.ignored]).toEqual([1, 1]);
  });

  it('evaluates an environment on the policy the latest scan found it linked to, not on a copy from before', async () => {
    await deliver(
      keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', currentVersion('kv-main', 'k-healthy')),
    );
    world.double.state.setEnvironmentPolicy(environments.trial, 'cmk-expiring');
    await world.services.scan(() => undefined);
    const version = currentVersion('kv-main', 'k-expiring');
    world.double.state.disableKeyVersion('kv-main', 'k-expiring', version);
    try {
      await deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', version));
      expect((await statusOf(environments.trial)).rules).toContain('key-disabled');
    } finally {
      world.double.state.updateKeyVersion('kv-main', 'k-expiring', version, { enabled: true });
      world.double.state.setEnvironmentPolicy(environments.trial, 'cmk-healthy');
    }
  });
});

describe('exactly once in effect', () => {
  it('leaves one history entry when the same event arrives twice, in turn and at once', async () => {
    world.double.state.createKeyVersion('kv-main', 'k-expiring');
    const event = keyVaultEvent(
      world.double,
      'KeyNewVersionCreated',
      'kv-main',
      'k-expiring',
      currentVersion('kv-main', 'k-expiring'),
    );
    const entries = (await statusOf(environments.expiring)).history.length;

    await deliver(event);
    await Promise.all([deliver(event), deliver(event)]);
    await deliver(event);

    const { status, history } = await statusOf(environments.expiring);
    expect(status).toBe('healthy');
    expect(history).toHaveLength(entries + 1);
    expect(history[0]).toMatchObject({ from: 'warning', to: 'healthy' });
  });

  it("ends in the new version's state when KeyNewVersionCreated comes before the old version's KeyNearExpiry", async () => {
    const old = currentVersion('kv-main', 'k-expiring');
    world.double.state.createKeyVersion('kv-main', 'k-expiring');
    const fresh = currentVersion('kv-main', 'k-expiring');
    await deliver(keyVaultEvent(world.double, 'KeyNewVersionCreated', 'kv-main', 'k-expiring', fresh));
    await deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', old));
    expect((await statusOf(environments.expiring)).status).toBe('healthy');
  });

  it('loses no update when two instances handle events of the same key at once', async () => {
    const other = createServices(world.services.config, { ca: world.double.ca });
    const version = currentVersion('kv-main', 'k-healthy');
    const entries = await Promise.all(environments.shared.map(async (id) => (await statusOf(id)).history.length));
    world.double.state.disableKeyVersion('kv-main', 'k-healthy', version);

    await Promise.all([
      deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version), world.services),
      deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version), other),
      deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version), other),
    ]);

    for (const [index, id] of environments.shared.entries()) {
      const { status, history } = await statusOf(id);
      expect(status).toBe('outage');
      expect(history).toHaveLength((entries[index] ?? 0) + 1);
    }
    world.double.state.updateKeyVersion('kv-main', 'k-healthy', version, { enabled: true });
    await deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version));
  });
});

describe('bad input and faults', () => {
  it('stores a malformed event with its reason and acknowledges it', async () => {
    const bad = {
      ...keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy'),
      data: { VaultName: 'kv-main', EXP: 'soon' },
      padding: 'x'.repeat(100_000),
    };
    await expect(deliver(bad)).resolves.toBeUndefined();
    const { events } = await world.services.stores();
    const [stored] = await events.rejected(new Date());
    expect(stored?.reason).toMatch(/^data\.objectname:/);
    expect(stored?.payload.length).toBeLessThan(33_000);
    expect(stored?.payload).toContain('"EXP":"soon"');
    expect(log.some((line) => line.startsWith('warning: Rejected an event: data.objectname'))).toBe(true);
  });

  it('throws on a transient Key Vault failure so Event Grid retries, and shows the environment unknown meanwhile', async () => {
    const version = currentVersion('kv-main', 'k-expiring');
    const before = (await statusOf(environments.expiring)).status;
    // Resource Manager fails for now: a failure that may pass is not a refusal, so the data plane is not tried.
    world.double.fault('arm:keys:kv-main', { status: 503 });
    try {
      await expect(
        deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', version)),
      ).rejects.toThrow(/Event Grid will retry/);
    } finally {
      world.double.clearFaults();
    }
    const blind = await statusOf(environments.expiring);
    expect(blind).toMatchObject({ status: 'unknown', rules: expect.arrayContaining(['monitor-blind']) as unknown });
    const { statuses } = await world.services.stores();
    // Findings quote what the monitor read, never what the event said.
    expect(JSON.stringify((await statuses.get(environments.expiring))?.value.findings)).not.toContain(
      'the event reported',
    );

    await deliver(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', version));
    expect((await statusOf(environments.expiring)).status).toBe(before);
  });
});
