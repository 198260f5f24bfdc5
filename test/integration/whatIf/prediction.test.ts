/**
 * Each kind of change, on the demo tenant: the what-if predicts, then the same change is made on the double through
 * the real SDK clients (Power Platform's link and unlink through the double's state: the admin API's link actions are
 * not modelled), a scan runs, and every environment's status and findings must be what was predicted.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { DefaultAzureCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Change } from '../../../shared/domain/whatIf/changes.js';
import type { WhatIfAnswer } from '../../../shared/application/whatIf.js';
import { monitorFunctionAppId } from '../../../sandbox/double/armEventGrid.js';
import { startWorld, type World } from '../../support/world.js';

const armScope = 'https://management.azure.com/.default';
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const day = 86_400_000;

let world: World;
let credential: DefaultAzureCredential;
let subscriptionId: string;
let environments: { id: string; displayName: string }[];

beforeAll(async () => {
  const scenario = JSON.parse(
    await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8'),
  ) as {
    subscriptionId: string;
    environments: typeof environments;
    vaults: { name: string; softDelete?: boolean }[];
  };
  // A vault whose soft delete (on, as Azure's default) and retention were never set: its retention can still be set once.
  for (const vault of scenario.vaults) if (vault.name === 'kv-contoso-cmk-in') delete vault.softDelete;
  subscriptionId = scenario.subscriptionId;
  environments = scenario.environments;
  world = await startWorld(scenario, { functionAppId: monitorFunctionAppId(scenario.subscriptionId) });
  credential = new DefaultAzureCredential();
  await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

const tlsOptions = () => ({ ca: world.double.ca });
const keys = (vault: string) =>
  new KeyClient(world.double.vaultUris[vault] ?? '', credential, {
    tlsOptions: tlsOptions(),
    disableChallengeResourceVerification: true,
  });
const vaults = () =>
  new KeyVaultManagementClient(credential, subscriptionId, {
    endpoint: world.double.armEndpoint,
    tlsOptions: tlsOptions(),
  });
const authorization = () =>
  new AuthorizationManagementClient(credential, subscriptionId, {
    endpoint: world.double.armEndpoint,
    tlsOptions: tlsOptions(),
    credentialScopes: [armScope],
  });
const vaultState = (name: string) => world.double.state.requireVault(name);
const vaultId = (name: string) => world.double.state.vaultId(vaultState(name));
const currentVersion = (vault: string, key: string) => world.double.state.versionIds(vault, key).at(-1) ?? '';
const principalOf = (policy: string) => world.double.state.policy(policy)?.principalId ?? '';
const policyId = (policy: string) => {
  const state = world.double.state.policy(policy);
  return `/subscriptions/${state?.subscriptionId}/resourceGroups/${state?.resourceGroup}/providers/Microsoft.PowerPlatform/enterprisePolicies/${policy}`;
};
const environmentId = (displayName: string) => environments.find((e) => e.displayName === displayName)?.id ?? '';

async function statuses(): Promise<Map<string, EnvironmentStatus>> {
  const { statuses: store } = await world.services.stores();
  return new Map([...(await store.list())].map(([id, { value }]) => [id, value]));
}

/** What the comparison holds to: the status and each finding's rule and severity (messages carry read times). */
const evaluated = (status: { status: string; findings: { rule: string; severity: string }[] } | undefined) =>
  status ? { status: status.status, findings: status.findings.map((f) => `${f.rule}:${f.severity}`) } : undefined;

async function predictThenPerform(changes: Change[], perform: () => Promise<unknown>): Promise<WhatIfAnswer> {
  const before = await statuses();
  world.tables.reset();
  const result = await world.services.whatIf(changes);
  expect(world.tables.writes, 'a what-if stores nothing').toEqual([]);
  if (!result.ok) throw new Error(`${result.path}: ${result.message}`);
  await perform();
  await world.double.eventsSettled();
  await world.services.scan(() => undefined);
  const after = await statuses();

  const predicted = new Map(result.answer.environments.map((e) => [e.environmentId, e]));
  for (const [id, actual] of after) {
    const expected = predicted.get(id);
    expect(evaluated(actual), actual.displayName).toEqual(evaluated(expected ? { ...expected.after } : before.get(id)));
    if (expected?.after.deletionAt)
      expect(actual.deletionAt?.slice(0, 10), actual.displayName).toBe(expected.after.deletionAt.slice(0, 10));
  }
  return result.answer;
}

describe('what-if predicts what the scan then finds', () => {
  it('disabling the current version of a shared key: every environment behind it down', async () => {
    const version = currentVersion('kv-contoso-cmk-eu', 'pp-key');
    const answer = await predictThenPerform(
      [{ action: 'disableKeyVersion', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version }],
      () => keys('kv-contoso-cmk-eu').updateKeyProperties('pp-key', version, { enabled: false }),
    );
    expect(answer.environments.filter((e) => e.after.status === 'outage')).toHaveLength(7);
    expect(answer.summary).toMatch(
      /environments \(\d production\) down at once, deleted on \d{4}-\d\d-\d\d unless restored/,
    );
  });

  it('enabling it again', async () => {
    const version = currentVersion('kv-contoso-cmk-eu', 'pp-key');
    const answer = await predictThenPerform(
      [{ action: 'enableKeyVersion', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version }],
      () => keys('kv-contoso-cmk-eu').updateKeyProperties('pp-key', version, { enabled: true }),
    );
    expect(answer.summary).toMatch(/7 environments would improve/);
  });

  it("moving a version's expiry close", async () => {
    const version = currentVersion('kv-contoso-cmk-eu', 'pp-key');
    const expiresOn = new Date(Date.now() + 10 * day);
    await predictThenPerform(
      [{ action: 'setKeyVersionDates', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version, expiresOn }],
      () => keys('kv-contoso-cmk-eu').updateKeyProperties('pp-key', version, { expiresOn }),
    );
  });

  it('rotating the key that expires in 5 days', async () => {
    const expiresOn = new Date(Date.now() + 365 * day);
    const answer = await predictThenPerform(
      [{ action: 'rotateKey', vault: 'kv-contoso-cmk-na', key: 'pp-key-us-prod', expiresOn }],
      () => keys('kv-contoso-cmk-na').createRsaKey('pp-key-us-prod', { keySize: 2048, expiresOn }),
    );
    expect(answer.environments.map((e) => e.after.status)).toEqual(['healthy', 'healthy', 'healthy']);
  });

  it('deleting a key', async () => {
    await predictThenPerform([{ action: 'deleteKey', vault: 'kv-contoso-cmk-na', key: 'pp-key-us-dev' }], async () => {
      await (await keys('kv-contoso-cmk-na').beginDeleteKey('pp-key-us-dev')).pollUntilDone();
    });
  });

  it('recovering that key, as the monitor last read it before it went', async () => {
    const answer = await predictThenPerform(
      [{ action: 'recoverDeletedKey', vault: 'kv-contoso-cmk-na', key: 'pp-key-us-dev' }],
      async () => {
        await (await keys('kv-contoso-cmk-na').beginRecoverDeletedKey('pp-key-us-dev')).pollUntilDone();
      },
    );
    expect(answer.environments.map((e) => [e.displayName, e.removed.map((f) => f.rule)])).toEqual([
      ['App Dev US (developer)', ['key-missing']],
    ]);
    expect(answer.changes[0]?.note).toMatch(/soft-deleted: not once it is purged/);
  });

  it('refuses to recover a key deleted before the monitor ever read it', async () => {
    const result = await world.services.whatIf([
      { action: 'recoverDeletedKey', vault: 'kv-contoso-cmk-na', key: 'pp-key-brazil' },
    ]);
    expect(result).toEqual({
      ok: false,
      path: 'changes[0].key',
      message:
        "the monitor never read key 'pp-key-brazil' in vault 'kv-contoso-cmk-na' before it was deleted, so what recovery brings back is unknown",
    });
  });

  it("removing a policy identity's role assignment", async () => {
    const principalId = principalOf('cmk-germany-prod');
    const assignment = world.double.state.roleAssignments.find(
      (a) => a.principalId.toLowerCase() === principalId.toLowerCase(),
    );
    const answer = await predictThenPerform(
      [{ action: 'removeRoleAssignment', principalId, scope: assignment?.scope ?? '' }],
      () => authorization().roleAssignments.deleteById(assignment?.id ?? ''),
    );
    expect(answer.changes).toEqual([{ action: 'removeRoleAssignment', touched: true }]);
  });

  it('adding one back', async () => {
    const principalId = principalOf('cmk-germany-prod');
    const scope = `${vaultId('kv-contoso-cmk-eu')}/keys/pp-key-germany`;
    await predictThenPerform(
      [{ action: 'addRoleAssignment', principalId, scope, roleDefinitionId: cryptoServiceEncryptionUser }],
      () =>
        authorization().roleAssignments.create(scope, randomUUID(), {
          principalId,
          roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
          principalType: 'ServicePrincipal',
        }),
    );
  });

  it("closing a vault's firewall to trusted services", async () => {
    const answer = await predictThenPerform(
      [{ action: 'setVaultNetwork', vault: 'kv-contoso-cmk-uk', defaultAction: 'Deny', trustedServicesBypass: false }],
      () =>
        vaults().vaults.update(vaultState('kv-contoso-cmk-uk').resourceGroup, 'kv-contoso-cmk-uk', {
          properties: { networkAcls: { defaultAction: 'Deny', bypass: 'None' } },
        }),
    );
    // Retail UK left this chain, and a closed firewall is not among the findings that break an unlinked environment's restores.
    expect(answer.environments.map((e) => e.displayName)).toEqual(['Payroll UK (prod)']);
  });

  it("switching an access-policy vault to RBAC without a role for the policy's identity", async () => {
    const answer = await predictThenPerform(
      [{ action: 'setVaultPermissionModel', vault: 'kv-contoso-hr-eu', model: 'rbac' }],
      () =>
        vaults().vaults.update(vaultState('kv-contoso-hr-eu').resourceGroup, 'kv-contoso-hr-eu', {
          properties: { enableRbacAuthorization: true },
        }),
    );
    expect(answer.environments).toHaveLength(3);
  });

  it('switching it back to access policies', async () => {
    const answer = await predictThenPerform(
      [{ action: 'setVaultPermissionModel', vault: 'kv-contoso-hr-eu', model: 'accessPolicies' }],
      () =>
        vaults().vaults.update(vaultState('kv-contoso-hr-eu').resourceGroup, 'kv-contoso-hr-eu', {
          properties: { enableRbacAuthorization: false },
        }),
    );
    expect(answer.summary).toBe('3 environments would improve.');
  });

  it("narrowing the identity's access policy to get, then giving it wrap and unwrap back", async () => {
    const principalId = principalOf('cmk-europe-hr');
    const setKeys = (keyPermissions: string[]) => () =>
      vaults().vaults.updateAccessPolicy(vaultState('kv-contoso-hr-eu').resourceGroup, 'kv-contoso-hr-eu', 'replace', {
        properties: {
          accessPolicies: [
            { tenantId: world.double.tenantId, objectId: principalId, permissions: { keys: keyPermissions } },
          ],
        },
      });
    const narrowed = await predictThenPerform(
      [{ action: 'setAccessPolicy', vault: 'kv-contoso-hr-eu', principalId, keyPermissions: ['get'] }],
      setKeys(['get']),
    );
    expect(narrowed.environments.map((e) => [e.after.status, e.added.map((f) => f.rule)])).toEqual(
      Array.from({ length: 3 }, () => ['outage', ['access-revoked']]),
    );
    const restored = await predictThenPerform(
      [
        {
          action: 'setAccessPolicy',
          vault: 'kv-contoso-hr-eu',
          principalId,
          keyPermissions: ['get', 'wrapKey', 'unwrapKey'],
        },
      ],
      setKeys(['get', 'wrapKey', 'unwrapKey']),
    );
    expect(restored.summary).toBe('3 environments would improve.');
  });

  it('switching an access-policy vault to RBAC where the identity already holds a role: nothing changes', async () => {
    const principalId = principalOf('cmk-europe-hr');
    const scope = vaultId('kv-contoso-hr-eu');
    // Held but not evaluated while the vault uses access policies; the scan reads it all the same.
    const granted = await predictThenPerform(
      [{ action: 'addRoleAssignment', principalId, scope, roleDefinitionId: cryptoServiceEncryptionUser }],
      () =>
        authorization().roleAssignments.create(scope, randomUUID(), {
          principalId,
          roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
          principalType: 'ServicePrincipal',
        }),
    );
    expect(granted).toMatchObject({ changes: [{ touched: true }], environments: [] });
    const switched = await predictThenPerform(
      [{ action: 'setVaultPermissionModel', vault: 'kv-contoso-hr-eu', model: 'rbac' }],
      () =>
        vaults().vaults.update(vaultState('kv-contoso-hr-eu').resourceGroup, 'kv-contoso-hr-eu', {
          properties: { enableRbacAuthorization: true },
        }),
    );
    expect(switched.environments).toEqual([]);
    expect(switched.summary).toBe("Safe: no environment's status or findings would change.");
  });

  it('turning purge protection on, which Azure cannot undo', async () => {
    const answer = await predictThenPerform([{ action: 'enablePurgeProtection', vault: 'kv-contoso-cmk-au' }], () =>
      vaults().vaults.update(vaultState('kv-contoso-cmk-au').resourceGroup, 'kv-contoso-cmk-au', {
        properties: { enablePurgeProtection: true },
      }),
    );
    expect(answer.environments.map((e) => [e.displayName, e.removed.map((f) => f.rule)])).toEqual([
      ['Field Ops Australia (prod)', ['vault-recovery-off']],
    ]);
    expect(answer.changes[0]?.note).toMatch(/^Azure cannot turn purge protection off again/);
    await expect(
      vaults().vaults.update(vaultState('kv-contoso-cmk-au').resourceGroup, 'kv-contoso-cmk-au', {
        properties: { enablePurgeProtection: false },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('setting a soft-delete retention, which changes no finding and Azure takes only once', async () => {
    const update = (days: number) => () =>
      vaults().vaults.update(vaultState('kv-contoso-cmk-in').resourceGroup, 'kv-contoso-cmk-in', {
        properties: { softDeleteRetentionInDays: days },
      });
    const answer = await predictThenPerform(
      [{ action: 'setSoftDeleteRetention', vault: 'kv-contoso-cmk-in', days: 30 }],
      update(30),
    );
    expect(answer).toMatchObject({
      changes: [{ touched: true, note: expect.stringContaining('Azure sets it only once') as unknown }],
      environments: [],
    });
    await expect(update(60)()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('deleting a vault', async () => {
    await predictThenPerform([{ action: 'deleteVault', vault: 'kv-contoso-cmk-ch' }], () =>
      vaults().vaults.delete(vaultState('kv-contoso-cmk-ch').resourceGroup, 'kv-contoso-cmk-ch'),
    );
  });

  it('moving an environment off its policy, then onto another', async () => {
    const id = environmentId('Sales (UAT)');
    await predictThenPerform([{ action: 'unlinkEnvironment', environmentId: id }], async () =>
      world.double.state.setEnvironmentPolicy(id, null),
    );
    await predictThenPerform(
      [{ action: 'linkEnvironment', environmentId: id, policyId: policyId('cmk-us-prod') }],
      async () => world.double.state.setEnvironmentPolicy(id, 'cmk-us-prod'),
    );
  });

  it('says so when a change touches nothing the monitor watches', async () => {
    const scope = vaultId('kv-contoso-cmk-au');
    const result = await world.services.whatIf([
      { action: 'removeRoleAssignment', principalId: principalOf('cmk-india-prod'), scope },
    ]);
    expect(result.ok && result.answer).toMatchObject({
      changes: [{ action: 'removeRoleAssignment', touched: false }],
      environments: [],
    });
    expect(result.ok && result.answer.summary).toMatch(/^Nothing the monitor watches/);
  });

  it('names the change and field the picture does not know', async () => {
    const result = await world.services.whatIf([
      {
        action: 'enableKeyVersion',
        vault: 'kv-contoso-cmk-eu',
        key: 'pp-key',
        version: currentVersion('kv-contoso-cmk-eu', 'pp-key'),
      },
      { action: 'deleteKey', vault: 'kv-contoso-cmk-eu', key: 'no-such-key' },
    ]);
    expect(result).toMatchObject({ ok: false, path: 'changes[1].key' });
  });

  it('warns when its picture is older than twice the scan interval', async () => {
    const result = await world.services.whatIf(
      [{ action: 'deleteVault', vault: 'kv-contoso-cmk-in' }],
      new Date(Date.now() + 3 * 3_600_000),
    );
    expect(result.ok && result.answer.picture.stale).toBe(true);
    const fresh = await world.services.whatIf([{ action: 'deleteVault', vault: 'kv-contoso-cmk-in' }]);
    expect(fresh.ok && fresh.answer.picture).toMatchObject({
      stale: false,
      scannedAt: expect.any(String) as unknown,
      oldestChainReadAt: expect.any(String) as unknown,
    });
  });
});
