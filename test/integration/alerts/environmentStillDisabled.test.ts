/**
 * Access restored, environment still disabled: Power Platform keeps an environment it shut down for a revoked key
 * disabled until an admin re-enables it. The monitor says so as its own finding, still an outage with the deletion
 * clock counting from the original lock, alerts it once, and resolves it when Power Platform reports it enabled.
 */
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventHandler } from '../../../functions/events.js';
import type { RoleAssignmentState } from '../../../sandbox/double/state.js';
import { roleAssignmentEvent } from '../../support/eventPayloads.js';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from '../scan/scenario.js';

const day = 86_400_000;
const principal = guid(501);
const ids = { locked: guid(601), running: guid(602) };

/** One chain: the policy identity's grant on the vault is taken away below, and Power Platform has shut the sandbox down. */
function scenario() {
  return {
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    vaults: [healthyVaultOf('kv-lock', [principal], [key('k-lock', [version(10, 355)])])],
    policies: [policy('cmk-lock', 'kv-lock', 'k-lock', principal)],
    environments: [
      { ...environment(ids.locked, 'Locked sandbox', 'cmk-lock', 'Sandbox'), runtimeState: 'Disabled' },
      // Re-enabled by an admin already: the same chain, nothing to say once access is back.
      environment(ids.running, 'Running production', 'cmk-lock'),
    ],
  };
}

let world: World;
let grant: RoleAssignmentState;
let lockedAt: string;

beforeAll(async () => {
  world = await startWorld(scenario());
  const found = world.double.state.roleAssignments.find((assignment) => assignment.principalId === principal);
  if (!found) throw new Error('the scenario grants the policy identity a role');
  grant = found;
  world.double.state.deleteRoleAssignment(grant.id);
});
afterAll(() => world?.stop());

async function statusOf(environmentId: string) {
  const stored = await (await world.services.stores()).statuses.get(environmentId);
  if (!stored) throw new Error(`no status for ${environmentId}`);
  return stored.value;
}

/** The outbox's alerts about `rule`, as kinds in the order decided. */
async function alertsOf(rule: string): Promise<string[]> {
  const { alerts } = await world.services.stores();
  return (await alerts.list(100))
    .map(({ alert }) => alert)
    .filter((alert) => alert.rule === rule)
    .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt))
    .map((alert) => alert.kind);
}

async function scanAndAlert(): Promise<void> {
  await world.services.scan(() => undefined);
  await world.services.alert(() => undefined);
}

describe('an environment Power Platform keeps disabled after access is restored', () => {
  it("shows the chain's own finding while access is revoked, and starts the deletion clock", async () => {
    await scanAndAlert();
    const locked = await statusOf(ids.locked);
    expect([locked.status, locked.findings.map((f) => f.rule)]).toEqual(['outage', ['access-revoked']]);
    lockedAt = locked.lockedSince ?? '';
    expect(locked.deletionAt).toBe(new Date(Date.parse(lockedAt) + 7 * day).toISOString());
    expect(await alertsOf('access-revoked')).toEqual(['opened']);
  });

  it('says so as its own outage once access is back, evaluating the last inventory, with the deletion day still counting', async () => {
    world.double.state.putRoleAssignment(grant);
    const context = new InvocationContext({ functionName: 'resourceEvents', logHandler: () => undefined });
    await createEventHandler(() => world.services)(roleAssignmentEvent(world.double, grant.id, 'write'), context);

    const locked = await statusOf(ids.locked);
    expect(locked).toMatchObject({
      status: 'outage',
      lockedSince: lockedAt,
      deletionAt: new Date(Date.parse(lockedAt) + 7 * day).toISOString(),
    });
    expect(locked.findings).toEqual([
      expect.objectContaining({
        rule: 'environment-still-disabled',
        severity: 'outage',
        message: expect.stringContaining(
          `re-enables it in the Power Platform admin center (https://admin.powerplatform.microsoft.com/environments/environment/${ids.locked}/hub)`,
        ) as unknown,
      }),
    ]);
    expect(await (await world.services.stores()).statuses.history(ids.locked)).toContainEqual(
      expect.objectContaining({
        from: 'outage',
        to: 'outage',
        added: ['environment-still-disabled'],
        removed: ['access-revoked'],
      }),
    );
    expect(await statusOf(ids.running)).toMatchObject({ status: 'healthy', findings: [], lockedSince: null });
  });

  it('alerts it once, however many scans find it', async () => {
    await world.services.alert(() => undefined);
    await scanAndAlert();
    await scanAndAlert();
    expect(await alertsOf('environment-still-disabled')).toEqual(['opened']);
    expect(await alertsOf('access-revoked')).toEqual(['opened', 'resolved']);
    expect((await statusOf(ids.locked)).lockedSince).toBe(lockedAt);
  });

  it('clears, and resolves its incident, once Power Platform reports the environment enabled', async () => {
    world.double.state.setEnvironmentRuntimeState(ids.locked, 'Enabled');
    await scanAndAlert();
    expect(await statusOf(ids.locked)).toMatchObject({
      status: 'healthy',
      findings: [],
      lockedSince: null,
      deletionAt: null,
    });
    expect(await alertsOf('environment-still-disabled')).toEqual(['opened', 'resolved']);
  });
});
