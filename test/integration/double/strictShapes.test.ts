/**
 * The double is as strict as Azure, never kinder: the wire shapes Azure really sends where it is least convenient
 * (see /work/shared/reference/azure-payloads/responses for the real bodies): no rotation policy, absent optional vault
 * properties, both forms of roleDefinitionId, recoveryLevel / recoverableDays, a policy naming a key that is gone.
 */
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

const subscriptionId = '3d5f7a9b-1c2e-4f6a-8b0d-2e4f6a8c0b1d';
const principal = '6e8a0c2d-4f1b-4a3c-9e5d-7b9f1a3c5e7d';
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2';
const armScope = 'https://management.azure.com/.default';
const vaultScope = 'https://vault.azure.net/.default';
const rsa = (name: string, rotationPolicy?: { expiresAfter: string }) => ({
  name,
  kty: 'RSA',
  size: 2048,
  versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: null }],
  ...(rotationPolicy && { rotationPolicy }),
});

const scenario = parseScenario({
  subscriptionId,
  vaults: [
    // Only what a vault must have: every optional ARM property left unset.
    {
      name: 'kv-bare',
      resourceGroup: 'rg-cmk',
      accessPolicies: [{ objectId: principal, keys: ['get', 'wrapKey', 'unwrapKey'] }],
      keys: [rsa('k-plain')],
    },
    {
      name: 'kv-full',
      resourceGroup: 'rg-cmk',
      softDelete: true,
      purgeProtection: true,
      rbac: true,
      // Set, and open: the double's data plane, read below, sits behind the vault's firewall as Key Vault's does.
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
      roleAssignments: [
        {
          principalId: principal,
          roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
          scope: 'vault',
        },
        { principalId: principal, roleDefinitionId: keyVaultReader, scope: 'subscription' },
      ],
      keys: [rsa('k-rotated', { expiresAfter: 'P1Y' })],
    },
    {
      name: 'kv-week',
      resourceGroup: 'rg-cmk',
      softDelete: true,
      softDeleteRetentionDays: 7,
      purgeProtection: false,
      keys: [rsa('k-week')],
    },
    { name: 'kv-legacy', resourceGroup: 'rg-cmk', softDelete: false, purgeProtection: false, keys: [rsa('k-legacy')] },
  ],
  policies: [
    {
      name: 'cmk-purged',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'kv-bare',
      key: 'k-purged',
      principalId: principal,
    },
  ],
  environments: [],
});

let double: AzureDouble;
let credential: DefaultAzureCredential;
let vaults: KeyVaultManagementClient;
let authorization: AuthorizationManagementClient;
const keyClient = (vault: string) =>
  new KeyClient(double.vaultUris[vault] ?? '', credential, {
    tlsOptions: { ca: double.ca },
    disableChallengeResourceVerification: true,
  });
const vaultId = (vault: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/${vault}`;
const savedEnvironment = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  double = await startAzureDouble({ scenario });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  credential = new DefaultAzureCredential();
  const tlsOptions = { ca: double.ca };
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
  await double?.stop();
  for (const [name, value] of [
    ['IDENTITY_ENDPOINT', savedEnvironment.endpoint],
    ['IDENTITY_HEADER', savedEnvironment.header],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** The body exactly as the double puts it on the wire, with no SDK in between. */
async function wire(url: string, scope: string): Promise<Record<string, unknown>> {
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: scope }));
  const response = await pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url }));
  expect(response.status).toBe(200);
  return JSON.parse(response.bodyAsText ?? '{}') as Record<string, unknown>;
}

const armVault = async (vault: string) =>
  (await wire(`${double.armEndpoint}${vaultId(vault)}?api-version=2026-02-01`, armScope)) as {
    properties: Record<string, unknown>;
  };

describe('rotation policy', () => {
  it('answers a key without one as Key Vault does: 200 with both members null, no id', async () => {
    const body = await wire(`${double.vaultUris['kv-bare']}keys/k-plain/rotationpolicy?api-version=7.6`, vaultScope);
    expect(body).toEqual({ lifetimeActions: null, attributes: null });
    const policy = await keyClient('kv-bare').getKeyRotationPolicy('k-plain');
    expect(policy).toMatchObject({ id: undefined, expiresIn: undefined, lifetimeActions: undefined });
  });

  it('still answers a set policy with its id, actions and expiry', async () => {
    const body = await wire(`${double.vaultUris['kv-full']}keys/k-rotated/rotationpolicy?api-version=7.6`, vaultScope);
    expect(body).toMatchObject({
      id: expect.stringMatching(/\/keys\/k-rotated\/rotationpolicy$/) as unknown,
      attributes: { expiryTime: 'P1Y' },
    });
    expect(body.lifetimeActions).toEqual([{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }]);
  });
});

describe('vault properties ARM omits when they were never set', () => {
  it('omits enableSoftDelete, enablePurgeProtection, enableRbacAuthorization, publicNetworkAccess and networkAcls', async () => {
    const { properties } = await armVault('kv-bare');
    for (const absent of [
      'enableSoftDelete',
      'softDeleteRetentionInDays',
      'enablePurgeProtection',
      'enableRbacAuthorization',
      'publicNetworkAccess',
      'networkAcls',
    ]) {
      expect(properties, absent).not.toHaveProperty(absent);
    }
    expect(properties).toMatchObject({
      vaultUri: double.vaultUris['kv-bare'],
      tenantId: double.tenantId,
      sku: { family: 'A', name: 'standard' },
    });
  });

  it('serves them once set, and a write of one setting sets that one alone', async () => {
    expect((await armVault('kv-full')).properties).toMatchObject({
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      publicNetworkAccess: 'Enabled',
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Allow', ipRules: [], virtualNetworkRules: [] },
    });
    await vaults.vaults.update('rg-cmk', 'kv-bare', { properties: { publicNetworkAccess: 'Enabled' } });
    const { properties } = await armVault('kv-bare');
    expect(properties.publicNetworkAccess).toBe('Enabled');
    expect(properties).not.toHaveProperty('networkAcls');
    expect(properties).not.toHaveProperty('enableRbacAuthorization');
  });

  it('keeps behaving as Azure does for an unset property: soft delete on, access policies, no firewall', async () => {
    expect(double.state.vault('kv-bare')).toMatchObject({
      softDelete: true,
      purgeProtection: false,
      rbac: false,
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
    });
    // Access-policy model: the 403 of a refused read is worded for access policies, not RBAC.
    double.state.setVault('kv-bare', { monitorAccess: 'forbidden' });
    try {
      await expect(keyClient('kv-bare').getKey('k-plain')).rejects.toMatchObject({
        statusCode: 403,
        message: expect.stringContaining('does not have keys get permission') as unknown,
      });
    } finally {
      double.state.setVault('kv-bare', { monitorAccess: 'ok' });
    }
  });
});

describe('roleDefinitionId', () => {
  it('lists each assignment in the form the scenario gave: tenant form as written, a GUID in the subscription form', async () => {
    const found = [];
    for await (const assignment of authorization.roleAssignments.listForScope(vaultId('kv-full'), {
      filter: `principalId eq '${principal}'`,
    })) {
      found.push([assignment.scope, assignment.roleDefinitionId]);
    }
    expect(found.sort()).toEqual([
      [
        `/subscriptions/${subscriptionId}`,
        `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${keyVaultReader}`,
      ],
      [vaultId('kv-full'), `/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`],
    ]);
  });

  it('resolves the tenant form to the role, with its tenant-form id', async () => {
    const role = await authorization.roleDefinitions.getById(
      `/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
    );
    expect(role).toMatchObject({
      id: `/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
      roleName: 'Key Vault Crypto Service Encryption User',
    });
  });
});

describe('recoveryLevel and recoverableDays on key attributes', () => {
  it.each([
    ['kv-full', 'k-rotated', 'Recoverable', 90],
    ['kv-bare', 'k-plain', 'Recoverable+Purgeable', 90],
    ['kv-week', 'k-week', 'CustomizedRecoverable+Purgeable', 7],
    ['kv-legacy', 'k-legacy', 'Purgeable', undefined],
  ])('%s/%s: %s, %s days', async (vault, key, recoveryLevel, recoverableDays) => {
    const { attributes } = (await wire(`${double.vaultUris[vault]}keys/${key}?api-version=7.6`, vaultScope)) as {
      attributes: { recoveryLevel: unknown; recoverableDays: unknown };
    };
    expect(attributes.recoveryLevel).toBe(recoveryLevel);
    expect(attributes.recoverableDays).toBe(recoverableDays);
    const properties = (await keyClient(vault).getKey(key)).properties;
    expect([properties.recoveryLevel, properties.recoverableDays]).toEqual([recoveryLevel, recoverableDays]);
  });

  it('schedules the purge of a deleted key after the vault retention', async () => {
    const deleted = await (await keyClient('kv-week').beginDeleteKey('k-week')).pollUntilDone();
    const days =
      (deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(7);
  });
});

describe('a policy naming a key that does not exist', () => {
  it('is served with the key name it was given, and the key is not found', async () => {
    const policies = (await wire(
      `${double.armEndpoint}/subscriptions/${subscriptionId}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=2020-10-30-preview`,
      armScope,
    )) as { value: { properties: { encryption: { keyVault: { key: unknown } } } }[] };
    expect(policies.value[0]).toMatchObject({
      name: 'cmk-purged',
      properties: { encryption: { keyVault: { id: vaultId('kv-bare'), key: { name: 'k-purged' } } } },
    });
    expect(policies.value[0]?.properties.encryption.keyVault.key).not.toHaveProperty('version');
    await expect(keyClient('kv-bare').getKey('k-purged')).rejects.toMatchObject({
      statusCode: 404,
      code: 'KeyNotFound',
    });
  });
});
