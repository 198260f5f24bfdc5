/**
 * The monitor reads Azure's least convenient shapes right (the double serves them as Azure does): a key without a
 * rotation policy, a vault whose optional properties are absent, a roleDefinitionId in the tenant form, a policy
 * naming a key that is gone.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Vault } from '../../../shared/domain/model.js';
import { AccessReader, authorizationClients } from '../../../shared/adapters/azure/truth/accessReader.js';
import { KeyReader } from '../../../shared/adapters/azure/truth/keyReader.js';
import { VaultReader } from '../../../shared/adapters/azure/truth/vaultReader.js';
import { startWorld, type World } from '../../support/world.js';
import { policy } from '../../support/scenarioParts.js';

const guid = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;
const subscriptionId = '22222222-2222-4222-8222-222222222222';
const tenantForm = (role: string) => `/providers/Microsoft.Authorization/roleDefinitions/${role}`;
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const customUnwrap = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const armScope = 'https://management.azure.com/.default';

const principals = {
  bare: guid(1),
  tenantForm: guid(2),
  customTenantForm: guid(3),
  purged: guid(4),
  closed: guid(5),
  rotated: guid(6),
};
const envs = {
  bare: guid(11),
  tenantForm: guid(12),
  customTenantForm: guid(13),
  purged: guid(14),
  closed: guid(15),
  rotated: guid(16),
};

const key = (name: string, rotationPolicy?: { expiresAfter: string }) => ({
  name,
  kty: 'RSA',
  size: 2048,
  versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: null }],
  ...(rotationPolicy && { rotationPolicy }),
});
const accessPolicy = (objectId: string) => ({ objectId, keys: ['get', 'wrapKey', 'unwrapKey'] });
const environment = (id: string, policyName: string) => ({
  id,
  displayName: policyName,
  location: 'europe',
  sku: 'Production',
  managed: true,
  policy: policyName,
});

const scenario = {
  subscriptionId,
  roleDefinitions: [
    {
      id: customUnwrap,
      roleName: 'CMK unwrap',
      dataActions: [
        'Microsoft.KeyVault/vaults/keys/read',
        'Microsoft.KeyVault/vaults/keys/wrap/action',
        'Microsoft.KeyVault/vaults/keys/unwrap/action',
      ],
    },
  ],
  vaults: [
    // Every optional ARM property absent: soft delete on, purge protection off, access policies, open network.
    {
      name: 'kv-bare',
      resourceGroup: 'rg-cmk',
      accessPolicies: [accessPolicy(principals.bare), accessPolicy(principals.purged)],
      keys: [key('k-plain')],
    },
    // A firewall without the trusted-services bypass, publicNetworkAccess absent (so Enabled).
    {
      name: 'kv-closed',
      resourceGroup: 'rg-cmk',
      softDelete: true,
      purgeProtection: true,
      networkDefaultAction: 'Deny',
      trustedServicesBypass: false,
      accessPolicies: [accessPolicy(principals.closed)],
      keys: [key('k-closed', { expiresAfter: 'P1Y' })],
    },
    {
      name: 'kv-rbac',
      resourceGroup: 'rg-cmk',
      softDelete: true,
      purgeProtection: true,
      rbac: true,
      roleAssignments: [
        {
          principalId: principals.tenantForm,
          roleDefinitionId: tenantForm(cryptoServiceEncryptionUser),
          scope: 'vault',
        },
        { principalId: principals.customTenantForm, roleDefinitionId: tenantForm(customUnwrap), scope: 'vault' },
      ],
      keys: [key('k-rbac', { expiresAfter: 'P1Y' })],
    },
  ],
  policies: [
    policy('cmk-bare', 'kv-bare', 'k-plain', principals.bare),
    policy('cmk-purged', 'kv-bare', 'k-purged', principals.purged),
    policy('cmk-closed', 'kv-closed', 'k-closed', principals.closed),
    policy('cmk-tenant-form', 'kv-rbac', 'k-rbac', principals.tenantForm),
    policy('cmk-custom-tenant-form', 'kv-rbac', 'k-rbac', principals.customTenantForm),
  ],
  environments: [
    environment(envs.bare, 'cmk-bare'),
    environment(envs.purged, 'cmk-purged'),
    environment(envs.closed, 'cmk-closed'),
    environment(envs.tenantForm, 'cmk-tenant-form'),
    environment(envs.customTenantForm, 'cmk-custom-tenant-form'),
  ],
};

let world: World;
let byId: Map<string, EnvironmentStatus>;
const vaultId = (name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/${name}`;
const rulesOf = (id: string) => (byId.get(id)?.findings ?? []).map((finding) => finding.rule).sort();
const findingOf = (id: string, rule: string) => byId.get(id)?.findings.find((finding) => finding.rule === rule);

beforeAll(async () => {
  world = await startWorld(scenario);
  await world.services.scan(() => undefined);
  const { statuses } = await world.services.stores();
  byId = new Map([...(await statuses.list())].map(([id, stored]) => [id, stored.value]));
});
afterAll(() => world?.stop());

/** Paths the readers asked ARM for. */
const armPaths: string[] = [];
const recordPaths: PipelinePolicy = {
  name: 'recordPaths',
  sendRequest: (request, next) => {
    armPaths.push(new URL(request.url).pathname.replace(/^\/+/, '/')); // scope-based calls arrive as //subscriptions/…
    return next(request);
  },
};

function readers() {
  const credential = new DefaultAzureCredential();
  const arm = {
    endpoint: world.double.armEndpoint,
    tlsOptions: { ca: world.double.ca },
    credentials: { scopes: [armScope] },
    credentialScopes: [armScope],
    additionalPolicies: [{ policy: recordPaths, position: 'perCall' as const }],
  };
  return {
    vaults: new VaultReader(credential, arm),
    keys: new KeyReader(credential, { tlsOptions: { ca: world.double.ca } }),
    access: new AccessReader(authorizationClients(credential, arm)),
  };
}

async function readVault(name: string): Promise<Vault> {
  const vault = await readers().vaults.read(vaultId(name));
  if (vault.kind !== 'found') throw new Error(`vault ${name}: ${JSON.stringify(vault)}`);
  return vault.value;
}

describe('a key without a rotation policy', () => {
  it('is read as having none', async () => {
    const vault = await readVault('kv-bare');
    expect(await readers().keys.read(vault, 'k-plain', null)).toMatchObject({
      kind: 'found',
      value: { hasRotationPolicy: false },
    });
    const rbac = await readVault('kv-rbac');
    expect(await readers().keys.read(rbac, 'k-rbac', null)).toMatchObject({
      kind: 'found',
      value: { hasRotationPolicy: true },
    });
  });

  it('gives key-no-expiry saying there is no rotation policy either', () => {
    expect(findingOf(envs.bare, 'key-no-expiry')).toMatchObject({
      severity: 'info',
      message: expect.stringContaining('no rotation policy either') as unknown,
    });
    expect(findingOf(envs.tenantForm, 'key-no-expiry')?.message).toContain('the key has a rotation policy');
  });
});

describe('a vault whose optional properties are absent', () => {
  it('is read with Azure documented defaults', async () => {
    expect(await readVault('kv-bare')).toMatchObject({
      softDelete: true,
      purgeProtection: false,
      rbac: false,
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
    });
    expect(await readVault('kv-closed')).toMatchObject({
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Deny',
      trustedServicesBypass: false,
    });
  });

  it('gives purge protection off, and nothing about soft delete, network or access', () => {
    expect(rulesOf(envs.bare)).toEqual(['key-no-expiry', 'vault-recovery-off']);
    const recovery = findingOf(envs.bare, 'vault-recovery-off')?.message ?? '';
    expect(recovery).toContain('has purge protection off');
    expect(recovery).not.toContain('soft delete');
    expect(byId.get(envs.bare)?.status).toBe('critical');
  });

  it('reads an absent publicNetworkAccess as Enabled beside a firewall that shuts out trusted services', () => {
    expect(rulesOf(envs.closed)).toEqual(['key-no-expiry', 'vault-network-blocked']);
    const blocked = findingOf(envs.closed, 'vault-network-blocked')?.message ?? '';
    expect(blocked).toContain('firewall default action Deny');
    expect(blocked).not.toContain('public network access disabled');
  });
});

describe('a roleDefinitionId in the tenant form', () => {
  it('is evaluated as the role it names, built-in or custom', () => {
    expect(rulesOf(envs.tenantForm)).toEqual(['key-no-expiry']);
    expect(rulesOf(envs.customTenantForm)).toEqual(['key-no-expiry']);
    expect(byId.get(envs.tenantForm)?.status).toBe('healthy');
  });

  it('reads the custom role at the vault subscription', async () => {
    world.double.resetRequests();
    armPaths.length = 0;
    const grants = await readers().access.read(await readVault('kv-rbac'), principals.customTenantForm);
    expect(grants).toMatchObject({
      kind: 'found',
      value: [{ roleDefinitionId: tenantForm(customUnwrap), scope: vaultId('kv-rbac') }],
    });
    expect(grants.kind === 'found' && grants.value[0]?.dataActions).toContain(
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
    );
    expect(world.double.requests()['arm.getRoleDefinition']).toBe(1);
    // Get By Id takes the tenant form for tenant-level (built-in) definitions only; a custom role is read where it is assignable.
    expect(armPaths.filter((path) => /roleDefinitions/i.test(path))).toEqual([
      `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${customUnwrap}`,
    ]);
  });
});

describe('a policy naming a key that does not exist (a purged key)', () => {
  it('gives key-missing, an outage', () => {
    expect(byId.get(envs.purged)?.status).toBe('outage');
    // kv-bare has purge protection off, which is also why a key of it can be purged.
    expect(rulesOf(envs.purged)).toEqual(['key-missing', 'vault-recovery-off']);
    expect(findingOf(envs.purged, 'key-missing')?.severity).toBe('outage');
    expect(findingOf(envs.purged, 'key-missing')?.message).toContain("Key 'k-purged' was not found in vault 'kv-bare'");
  });
});
