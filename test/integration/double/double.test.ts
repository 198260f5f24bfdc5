/** The Azure double, driven by the real @azure/* clients and DefaultAzureCredential (managed identity), as production runs them. */
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { parseScenario } from '../../../sandbox/scenario.js';

const subscriptionId = '0c2f4e6a-8b1d-4c3e-9f5a-7d6b8e9f0a1b';
const policyPrincipal = '4b7e9d2c-1a3f-4e5d-8c6b-9a0f1e2d3c4b';
const otherPrincipal = '5c8f0e3d-2b4a-4f6e-9d7c-0b1a2f3e4d5c';
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2';
const armScope = 'https://management.azure.com/.default';
const powerPlatformScope = 'https://service.powerapps.com/.default';

const scenario = parseScenario({
  subscriptionId,
  vaults: [
    {
      name: 'kv-double-test',
      resourceGroup: 'rg-cmk',
      softDelete: true,
      purgeProtection: true,
      rbac: true,
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
      roleAssignments: [
        { principalId: policyPrincipal, roleDefinitionId: cryptoServiceEncryptionUser, scope: 'vault' },
        { principalId: policyPrincipal, roleDefinitionId: keyVaultReader, scope: 'subscription' },
        { principalId: otherPrincipal, roleDefinitionId: keyVaultReader, scope: 'vault' },
      ],
      keys: [
        {
          name: 'pp-key',
          kty: 'RSA',
          size: 2048,
          versions: [
            { enabled: true, createdDaysAgo: 400, expiresInDays: -35 },
            { enabled: true, createdDaysAgo: 40, expiresInDays: 325 },
            { enabled: true, createdDaysAgo: 3, expiresInDays: 20, notBeforeInDays: null },
          ],
          rotationPolicy: { expiresAfter: 'P1Y', notifyBefore: 'P45D' },
        },
        {
          name: 'plain-key',
          kty: 'RSA',
          size: 3072,
          versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: null }],
        },
      ],
    },
  ],
  policies: ['cmk-a', 'cmk-b', 'cmk-c'].map((name) => ({
    name,
    resourceGroup: 'rg-cmk',
    location: 'europe',
    vault: 'kv-double-test',
    key: 'pp-key',
    principalId: policyPrincipal,
  })),
  environments: [
    {
      id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      displayName: 'Prod',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-a',
    },
    {
      id: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
      displayName: 'Test',
      location: 'europe',
      sku: 'Sandbox',
      managed: true,
      policy: 'cmk-b',
    },
    {
      id: 'c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f',
      displayName: 'Trial',
      location: 'europe',
      sku: 'Trial',
      managed: false,
      policy: null,
    },
  ],
});

const vaultName = 'kv-double-test';
const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/${vaultName}`;

let double: AzureDouble;
let credential: DefaultAzureCredential;
let keys: KeyClient;
let vaults: KeyVaultManagementClient;
let authorization: AuthorizationManagementClient;
const savedEnvironment = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  double = await startAzureDouble({ scenario, pageSize: 2 });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  credential = new DefaultAzureCredential();
  const tlsOptions = { ca: double.ca };
  keys = new KeyClient(double.vaultUris[vaultName] ?? '', credential, {
    tlsOptions,
    disableChallengeResourceVerification: true,
  });
  vaults = new KeyVaultManagementClient(credential, subscriptionId, {
    endpoint: double.armEndpoint,
    tlsOptions,
    credentials: { scopes: [armScope] },
  });
  authorization = new AuthorizationManagementClient(credential, subscriptionId, {
    endpoint: double.armEndpoint,
    tlsOptions,
    credentialScopes: [armScope],
  });
});

afterAll(async () => {
  await double.stop();
  restore('IDENTITY_ENDPOINT', savedEnvironment.endpoint);
  restore('IDENTITY_HEADER', savedEnvironment.header);
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** A plain pipeline, as the production adapters for the APIs without an SDK use it; follows nextLink. */
async function getAllPages(url: string, scope: string): Promise<Record<string, unknown>[]> {
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: scope }));
  const httpClient = createDefaultHttpClient();
  const items: Record<string, unknown>[] = [];
  for (let next: string | undefined = url; next !== undefined;) {
    const response = await pipeline.sendRequest(httpClient, createPipelineRequest({ url: next }));
    expect(response.status).toBe(200);
    const page = JSON.parse(response.bodyAsText ?? '{}') as { value: Record<string, unknown>[]; nextLink?: string };
    items.push(...page.value);
    next = page.nextLink;
  }
  return items;
}

describe('Key Vault data plane through KeyClient', () => {
  it('answers the first request with the challenge, then serves the current version with its attributes', async () => {
    const versionIds = double.state.versionIds(vaultName, 'pp-key');
    const key = await keys.getKey('pp-key');

    expect(key.properties.version).toBe(versionIds[2]);
    expect(key.properties.vaultUrl).toBe(double.vaultUris[vaultName]?.replace(/\/$/, ''));
    expect(key.keyType).toBe('RSA');
    expect(key.key?.n?.length).toBe(256);
    expect(key.properties.expiresOn!.getTime()).toBeGreaterThan(Date.now() + 19 * 86_400_000);
    expect(key.properties.recoveryLevel).toBe('Recoverable');
    expect(double.requests()['keyvault.unauthenticated']).toBe(1);
    expect(double.requests()['identity.token']).toBeGreaterThanOrEqual(1);

    const first = await keys.getKey('pp-key', { version: versionIds[0]! });
    expect(first.properties.expiresOn!.getTime()).toBeLessThan(Date.now());
  });

  it('lists key versions across pages', async () => {
    double.resetRequests();
    const versions = [];
    for await (const properties of keys.listPropertiesOfKeyVersions('pp-key')) versions.push(properties.version);

    expect(versions.sort()).toEqual(double.state.versionIds(vaultName, 'pp-key').sort());
    expect(double.requests()['keyvault.listKeyVersions']).toBe(2);
  });

  it('serves a set rotation policy, and an empty one for a key without one', async () => {
    const policy = await keys.getKeyRotationPolicy('pp-key');
    expect(policy.id).toMatch(/\/keys\/pp-key\/rotationpolicy$/);
    expect(policy.expiresIn).toBe('P1Y');
    expect(policy.lifetimeActions).toEqual([
      { action: 'Notify', timeBeforeExpiry: 'P45D', timeAfterCreate: undefined },
    ]);

    const absent = await keys.getKeyRotationPolicy('plain-key');
    expect(absent.id).toBeUndefined();
    expect(absent.expiresIn).toBeUndefined();
    expect(absent.lifetimeActions).toBeUndefined();
  });

  it('updates key properties, creates a new version, deletes the key', async () => {
    const [first] = double.state.versionIds(vaultName, 'pp-key');
    const disabled = await keys.updateKeyProperties('pp-key', first!, { enabled: false });
    expect(disabled.properties.enabled).toBe(false);
    expect(double.state.requireKeyVersion(vaultName, 'pp-key', 0).enabled).toBe(false);

    const created = await keys.createKey('pp-key', 'RSA', { keySize: 3072 });
    expect((await keys.getKey('pp-key')).properties.version).toBe(created.properties.version);
    expect(created.key?.n?.length).toBe(384);
    expect(created.properties.expiresOn!.getTime()).toBeGreaterThan(Date.now() + 360 * 86_400_000);

    const poller = await keys.beginDeleteKey('pp-key');
    const deleted = await poller.pollUntilDone();
    expect(deleted.properties.recoveryId).toMatch(/\/deletedkeys\/pp-key$/);
    await expect(keys.getKey('pp-key')).rejects.toMatchObject({ statusCode: 404, code: 'KeyNotFound' });
  });

  it('recovers a deleted key with every version; a key in place is left as it is', async () => {
    const versions = double.state.versionIds(vaultName, 'plain-key');
    await (await keys.beginDeleteKey('plain-key')).pollUntilDone();
    const recovered = await (await keys.beginRecoverDeletedKey('plain-key')).pollUntilDone();
    expect(recovered.properties.version).toBe(versions.at(-1));
    expect(double.state.versionIds(vaultName, 'plain-key')).toEqual(versions);
    await expect(keys.getDeletedKey('plain-key')).rejects.toMatchObject({ statusCode: 404 });
    double.resetRequests();
    await expect((await keys.beginRecoverDeletedKey('plain-key')).pollUntilDone()).resolves.toMatchObject({
      name: 'plain-key',
    });
    // The poller finds the key in place and sends no recovery; one sent would be refused.
    expect(double.requests()['keyvault.recoverDeletedKey']).toBeUndefined();
  });

  it('forbids the monitor its reads of a vault marked monitorAccess forbidden', async () => {
    double.state.setVault(vaultName, { monitorAccess: 'forbidden' });
    await expect(keys.getKey('plain-key')).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
    double.state.setVault(vaultName, { monitorAccess: 'ok' });
  });
});

describe('ARM through KeyVaultManagementClient and AuthorizationManagementClient', () => {
  it('gets and updates the vault', async () => {
    const vault = await vaults.vaults.get('rg-cmk', vaultName);
    expect(vault.id).toBe(vaultId);
    expect(vault.properties.vaultUri).toBe(double.vaultUris[vaultName]);
    expect(vault.properties).toMatchObject({
      enableSoftDelete: true,
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
    });
    expect(vault.properties.networkAcls).toMatchObject({ bypass: 'AzureServices', defaultAction: 'Allow' });

    const updated = await vaults.vaults.update('rg-cmk', vaultName, {
      properties: { networkAcls: { defaultAction: 'Deny', bypass: 'None' } },
    });
    expect(updated.properties?.networkAcls).toMatchObject({ bypass: 'None', defaultAction: 'Deny' });
    expect(double.state.vault(vaultName)).toMatchObject({ trustedServicesBypass: false, networkDefaultAction: 'Deny' });
    // The firewall now refuses the data plane to a caller that is neither allowed nor a trusted service, as Key Vault does.
    await expect(keys.getKey('plain-key')).rejects.toMatchObject({
      statusCode: 403,
      code: 'Forbidden',
      message: expect.stringContaining(
        'Client address is not authorized and caller is not a trusted service.',
      ) as unknown,
    });
    await vaults.vaults.update('rg-cmk', vaultName, {
      properties: { networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' } },
    });
    expect((await keys.getKey('plain-key')).name).toBe('plain-key');
  });

  it('sets the soft-delete retention once, from 7 to 90 days, and refuses to change it after', async () => {
    const vault = double.state.requireVault(vaultName);
    vault.unset.add('softDeleteRetentionInDays');
    expect((await vaults.vaults.get('rg-cmk', vaultName)).properties.softDeleteRetentionInDays).toBeUndefined();
    await expect(
      vaults.vaults.update('rg-cmk', vaultName, { properties: { softDeleteRetentionInDays: 6 } }),
    ).rejects.toMatchObject({ statusCode: 400 });
    const set = await vaults.vaults.update('rg-cmk', vaultName, { properties: { softDeleteRetentionInDays: 30 } });
    expect(set.properties?.softDeleteRetentionInDays).toBe(30);
    await expect(
      vaults.vaults.update('rg-cmk', vaultName, { properties: { softDeleteRetentionInDays: 60 } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('softDeleteRetentionInDays') as unknown,
    });
    expect(
      (await vaults.vaults.update('rg-cmk', vaultName, { properties: { softDeleteRetentionInDays: 30 } })).properties
        ?.softDeleteRetentionInDays,
    ).toBe(30);
    double.state.setVault(vaultName, { softDeleteRetentionDays: 90 });
  });

  it('lists the assignments at, above and below a scope for a principal, creates and deletes one', async () => {
    const listForVault = async () => {
      const found = [];
      for await (const assignment of authorization.roleAssignments.listForScope(vaultId, {
        filter: `principalId eq '${policyPrincipal}'`,
      })) {
        found.push(assignment);
      }
      return found;
    };
    const before = await listForVault();
    expect(before.map((assignment) => assignment.scope).sort()).toEqual([`/subscriptions/${subscriptionId}`, vaultId]);
    expect(before.every((assignment) => assignment.principalType === 'ServicePrincipal')).toBe(true);

    const keyScope = `${vaultId}/keys/pp-key`;
    const assignmentName = '7d9e1f3a-5b2c-4d8e-a0f1-3c5e7a9b1d2f';
    const created = await authorization.roleAssignments.create(keyScope, assignmentName, {
      roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
      principalId: policyPrincipal,
    });
    expect(created.id).toBe(`${keyScope}/providers/Microsoft.Authorization/roleAssignments/${assignmentName}`);
    expect(await listForVault()).toHaveLength(3);

    await authorization.roleAssignments.deleteById(created.id!);
    expect(await listForVault()).toHaveLength(2);
  });

  it('resolves role definitions by id', async () => {
    const role = await authorization.roleDefinitions.getById(
      `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
    );
    expect(role.roleName).toBe('Key Vault Crypto Service Encryption User');
    expect(role.permissions?.[0]?.dataActions).toEqual([
      'Microsoft.KeyVault/vaults/keys/read',
      'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
    ]);
  });
});

describe('APIs without an SDK, through a core-rest-pipeline', () => {
  it('pages the enterprise policies, alternating where the identity principal id sits', async () => {
    double.resetRequests();
    const policies = await getAllPages(
      `${double.armEndpoint}/subscriptions/${subscriptionId}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=2020-10-30-preview`,
      armScope,
    );
    expect(policies.map((policy) => policy.name)).toEqual(['cmk-a', 'cmk-b', 'cmk-c']);
    expect(double.requests()['arm.listEnterprisePolicies']).toBe(2);
    expect(policies[0]).toMatchObject({ kind: 'Encryption', identity: { principalId: policyPrincipal } });
    expect(policies[1]).toMatchObject({ identity: { systemAssignedIdentityPrincipalId: policyPrincipal } });
    expect(policies[0]).toMatchObject({
      properties: { encryption: { keyVault: { id: vaultId, key: { name: 'pp-key' } } } },
    });
  });

  it('pages the environments with their policy link when the request expands it', async () => {
    const environments = await getAllPages(
      `${double.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01&$expand=properties.enterprisePolicies`,
      powerPlatformScope,
    );
    expect(environments).toHaveLength(3);
    expect(environments[0]).toMatchObject({
      properties: { enterprisePolicies: { customerManagedKeys: { linkStatus: 'Linked' } } },
    });
    expect(environments[1]).toMatchObject({
      properties: { enterprisePolicies: { CustomerManagedKeys: { linkStatus: 'Linked' } } },
    });
    expect(environments[2]).toMatchObject({ properties: { governanceConfiguration: { protectionLevel: 'Basic' } } });
  });
});

describe('as strict as Azure on the request', () => {
  const environmentList = () =>
    `${double.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`;

  it('leaves every link out of an environment list that does not expand them', async () => {
    for (const query of [
      'api-version=2023-06-01',
      'api-version=2023-06-01&$expand=properties.capacity',
      'api-version=2023-06-01&$expand=properties.EnterprisePolicies',
    ]) {
      const environments = await getAllPages(`${environmentList()}?${query}`, powerPlatformScope);
      expect(environments).toHaveLength(3);
      for (const environment of environments) expect(environment).not.toHaveProperty('properties.enterprisePolicies');
    }
  });

  it("shows one environment's link without an expand, as Microsoft's own scripts read it", async () => {
    const [first] = await getAllPages(
      `${environmentList()}?api-version=2023-06-01&$expand=properties.enterprisePolicies`,
      powerPlatformScope,
    );
    const response = await send(
      `${environmentList()}/${String(first?.name)}?api-version=2016-11-01`,
      powerPlatformScope,
    );
    expect(JSON.parse(response.bodyAsText ?? '{}')).toMatchObject({
      properties: { enterprisePolicies: { customerManagedKeys: { linkStatus: 'Linked' } } },
    });
  });

  it('refuses an api-version the API does not have, or none, with the error each service returns', async () => {
    const refusals = await Promise.all([
      send(`${environmentList()}?api-version=2099-01-01`, powerPlatformScope),
      send(
        `${double.armEndpoint}/subscriptions/${subscriptionId}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=2023-06-01`,
        armScope,
      ),
      send(`${double.armEndpoint}${vaultId}?api-version=2099-01-01`, armScope),
      send(
        `${double.armEndpoint}${vaultId}/providers/Microsoft.Authorization/roleAssignments?api-version=2026-02-01`,
        armScope,
      ),
      send(`${double.armEndpoint}${vaultId}`, armScope),
      send(`${String(double.vaultUris[vaultName])}keys/pp-key?api-version=9.9`, 'https://vault.azure.net/.default'),
    ]);
    expect(refusals.map((response) => [response.status, errorCode(response.bodyAsText)])).toEqual([
      [400, 'InvalidApiVersionParameter'],
      [400, 'InvalidApiVersionParameter'],
      [400, 'InvalidApiVersionParameter'],
      [400, 'InvalidApiVersionParameter'],
      [400, 'MissingApiVersionParameter'],
      [400, 'BadParameter'],
    ]);
    expect(JSON.parse(refusals[1]?.bodyAsText ?? '{}')).toMatchObject({
      error: { message: "The api-version '2023-06-01' is invalid. The supported versions are '2020-10-30-preview'." },
    });
    expect(JSON.parse(refusals[5]?.bodyAsText ?? '{}')).toMatchObject({
      error: {
        message:
          'The specified version (9.9) is not recognized. Consider using the latest supported version (2025-07-01).',
      },
    });
  });
});

async function send(url: string, scope: string) {
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: scope }));
  return pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url }));
}

function errorCode(body: string | null | undefined): unknown {
  return (JSON.parse(body ?? '{}') as { error?: { code?: unknown } }).error?.code;
}

describe('faults', () => {
  it('fails a request with an injected 403, then serves again', async () => {
    double.fault(`vault:${vaultName}`, { status: 403, times: 1 });
    await expect(keys.getKey('plain-key')).rejects.toMatchObject({ statusCode: 403 });
    expect((await keys.getKey('plain-key')).name).toBe('plain-key');
  });

  it('throttles with 429 and Retry-After, which the client waits out and retries', async () => {
    double.resetRequests();
    double.fault('arm:enterprisePolicies', { status: 429, times: 1 });
    const started = Date.now();
    const policies = await getAllPages(
      `${double.armEndpoint}/subscriptions/${subscriptionId}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=2020-10-30-preview`,
      armScope,
    );
    expect(policies).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(double.requests()['arm.listEnterprisePolicies']).toBe(3);
  });
});

describe('a deleted vault', () => {
  it('is gone from ARM and from its data plane', async () => {
    double.state.deleteVault(vaultName);
    await expect(vaults.vaults.get('rg-cmk', vaultName)).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(keys.getKey('plain-key')).rejects.toMatchObject({ statusCode: 404 });
  });
});
