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
  const scenario = JSON.parse(await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8')) as { subscriptionId: string; environments: typeof environments };
  subscriptionId = scenario.subscriptionId;
  environments = scenario.environments;
  world = await startWorld(scenario, { functionAppId: monitorFunctionAppId(scenario.subscriptionId) });
  credential = new DefaultAzureCredential();
  await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

const tlsOptions = () => ({ ca: world.double.ca });
const keys = (vault: string) => new KeyClient(world.double.vaultUris[vault] ?? '', credential, { tlsOptions: tlsOptions(), disableChallengeResourceVerification: true });
const vaults = () => new KeyVaultManagementClient(credential, subscriptionId, { endpoint: world.double.armEndpoint, tlsOptions: tlsOptions() });
const authorization = () => new AuthorizationManagementClient(credential, subscriptionId, { endpoint: world.double.armEndpoint, tlsOptions: tlsOptions(), credentialScopes: [armScope] });
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
const judged = (status: { status: string; findings: { rule: string; severity: string }[] } | undefined) =>
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
    expect(judged(actual), actual.displayName).toEqual(judged(expected ? { ...expected.after } : before.get(id)));
    if (expected?.after.deletionAt) expect(actual.deletionAt?.slice(0, 10), actual.displayName).toBe(expected.after.deletionAt.slice(0, 10));
  }
  return result.answer;
}

describe('what-if predicts what the scan then finds', () => {
  it('disabling the current version of a shared key: every environment behind it down', async () => {
    const version = currentVersion('kv-contoso-cmk-eu', 'pp-key');
    const answer = await predictThenPerform([{ action: 'disableKeyVersion', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version }], () =>
      keys('kv-contoso-cmk-eu').updateKeyProperties('pp-key', version, { enabled: false }),
    );
    expect(answer.environments.filter((e) => e.after.status === 'outage')).toHaveLength(7);
    expect(answer.summary).toMatch(/environments \(\d production\) down at once, deleted on \d{4}-\d\d-\d\d unless restored/);
  });

  it('enabling it again', async () => {
    const version = currentVersion('kv-contoso-cmk-eu', 'pp-key');
    const answer = await predictThenPerform([{ action: 'enableKeyVersion', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version }], () =>
      keys('kv-contoso-cmk-eu').updateKeyProperties('pp-key', version, { enabled: true }),
    );
    expect(answer.summary).toMatch(/7 environments would improve/);
  });

  it("moving a version's expiry close", async () => {
    const version = currentVersion('kv-contoso-cmk-eu', 'pp-key');
    const expiresOn = new Date(Date.now() + 10 * day);
    await predictThenPerform([{ action: 'setKeyVersionDates', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version, expiresOn }], () =>
      keys('kv-contoso-cmk-eu').updateKeyProperties('pp-key', version, { expiresOn }),
    );
  });

  it('rotating the key that expires in 5 days', async () => {
    const expiresOn = new Date(Date.now() + 365 * day);
    const answer = await predictThenPerform([{ action: 'rotateKey', vault: 'kv-contoso-cmk-na', key: 'pp-key-us-prod', expiresOn }], () =>
      keys('kv-contoso-cmk-na').createRsaKey('pp-key-us-prod', { keySize: 2048, expiresOn }),
    );
    expect(answer.environments.map((e) => e.after.status)).toEqual(['healthy', 'healthy', 'healthy']);
  });

  it('deleting a key', async () => {
    await predictThenPerform([{ action: 'deleteKey', vault: 'kv-contoso-cmk-na', key: 'pp-key-us-dev' }], async () => {
      await (await keys('kv-contoso-cmk-na').beginDeleteKey('pp-key-us-dev')).pollUntilDone();
    });
  });

  it("removing a policy identity's role assignment", async () => {
    const principalId = principalOf('cmk-germany-prod');
    const assignment = world.double.state.roleAssignments.find((a) => a.principalId.toLowerCase() === principalId.toLowerCase());
    const answer = await predictThenPerform([{ action: 'removeRoleAssignment', principalId, scope: assignment?.scope ?? '' }], () =>
      authorization().roleAssignments.deleteById(assignment?.id ?? ''),
    );
    expect(answer.changes).toEqual([{ action: 'removeRoleAssignment', touched: true }]);
  });

  it('adding one back', async () => {
    const principalId = principalOf('cmk-germany-prod');
    const scope = `${vaultId('kv-contoso-cmk-eu')}/keys/pp-key-germany`;
    await predictThenPerform([{ action: 'addRoleAssignment', principalId, scope, roleDefinitionId: cryptoServiceEncryptionUser }], () =>
      authorization().roleAssignments.create(scope, randomUUID(), {
        principalId,
        roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
        principalType: 'ServicePrincipal',
      }),
    );
  });

  it("closing a vault's firewall to trusted services", async () => {
    const answer = await predictThenPerform([{ action: 'setVaultNetwork', vault: 'kv-contoso-cmk-uk', defaultAction: 'Deny', trustedServicesBypass: false }], () =>
      vaults().vaults.update(vaultState('kv-contoso-cmk-uk').resourceGroup, 'kv-contoso-cmk-uk', { properties: { networkAcls: { defaultAction: 'Deny', bypass: 'None' } } }),
    );
    // Retail UK left this chain, and a closed firewall is not among the findings that break an unlinked environment's restores.
    expect(answer.environments.map((e) => e.displayName)).toEqual(['Payroll UK (prod)']);
  });

  it("switching an access-policy vault to RBAC without a role for the policy's identity", async () => {
    const answer = await predictThenPerform([{ action: 'setVaultPermissionModel', vault: 'kv-contoso-hr-eu', model: 'rbac' }], () =>
      vaults().vaults.update(vaultState('kv-contoso-hr-eu').resourceGroup, 'kv-contoso-hr-eu', { properties: { enableRbacAuthorization: true } }),
    );
    expect(answer.environments).toHaveLength(3);
  });

  it('deleting a vault', async () => {
    await predictThenPerform([{ action: 'deleteVault', vault: 'kv-contoso-cmk-ch' }], () => vaults().vaults.delete(vaultState('kv-contoso-cmk-ch').resourceGroup, 'kv-contoso-cmk-ch'));
  });

  it('moving an environment off its policy, then onto another', async () => {
    const id = environmentId('Sales (UAT)');
    await predictThenPerform([{ action: 'unlinkEnvironment', environmentId: id }], async () => world.double.state.setEnvironmentPolicy(id, null));
    await predictThenPerform([{ action: 'linkEnvironment', environmentId: id, policyId: policyId('cmk-us-prod') }], async () => world.double.state.setEnvironmentPolicy(id, 'cmk-us-prod'));
  });

  it('says so when a change touches nothing the monitor watches', async () => {
    const scope = vaultId('kv-contoso-cmk-au');
    const result = await world.services.whatIf([{ action: 'removeRoleAssignment', principalId: principalOf('cmk-india-prod'), scope }]);
    expect(result.ok && result.answer).toMatchObject({ changes: [{ action: 'removeRoleAssignment', touched: false }], environments: [] });
    expect(result.ok && result.answer.summary).toMatch(/^Nothing the monitor watches/);
  });

  it('names the change and field the picture does not know', async () => {
    const result = await world.services.whatIf([
      { action: 'enableKeyVersion', vault: 'kv-contoso-cmk-eu', key: 'pp-key', version: currentVersion('kv-contoso-cmk-eu', 'pp-key') },
      { action: 'deleteKey', vault: 'kv-contoso-cmk-eu', key: 'no-such-key' },
    ]);
    expect(result).toMatchObject({ ok: false, path: 'changes[1].key' });
  });

  it('warns when its picture is older than twice the scan interval', async () => {
    const result = await world.services.whatIf([{ action: 'deleteVault', vault: 'kv-contoso-cmk-in' }], new Date(Date.now() + 3 * 3_600_000));
    expect(result.ok && result.answer.picture.stale).toBe(true);
    const fresh = await world.services.whatIf([{ action: 'deleteVault', vault: 'kv-contoso-cmk-in' }]);
    expect(fresh.ok && fresh.answer.picture).toMatchObject({ stale: false, scannedAt: expect.any(String), oldestChainReadAt: expect.any(String) });
  });
});
