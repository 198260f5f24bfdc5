/**
 * What the double serves to the deployment scripts, as ARM does: vaults, policies and system topics in several
 * subscriptions, and the caller's permissions at a subscription, resource group or resource.
 */
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorIdentity } from '../../../sandbox/double/identity.js';
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { parseScenario } from '../../../sandbox/scenario.js';

const home = '3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const other = '7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f';
const unknown = '9e9e9e9e-9e9e-4e9e-8e9e-9e9e9e9e9e9e';
const caller = monitorIdentity.principalId;
const owner = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const contributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const policyPrincipal = '4b7e9d2c-1a3f-4e5d-8c6b-9a0f1e2d3c4b';
const armScope = 'https://management.azure.com/.default';

const vault = (name: string, resourceGroup: string, extra: object = {}) => ({
  name,
  resourceGroup,
  softDelete: true,
  purgeProtection: true,
  rbac: true,
  publicNetworkAccess: 'Enabled',
  networkDefaultAction: 'Allow',
  trustedServicesBypass: true,
  keys: [
    { name: 'pp-key', kty: 'RSA', size: 2048, versions: [{ enabled: true, createdDaysAgo: 3, expiresInDays: 300 }] },
  ],
  ...extra,
});

const scenario = parseScenario({
  subscriptionId: home,
  vaults: [
    vault('kv-home', 'rg-keys', { systemTopic: 'kv-home-events' }),
    vault('kv-other', 'rg-other-keys', { subscriptionId: other, rbac: false }),
  ],
  policies: [
    {
      name: 'cmk-home',
      resourceGroup: 'rg-policies',
      location: 'europe',
      vault: 'kv-home',
      key: 'pp-key',
      principalId: policyPrincipal,
    },
    {
      name: 'cmk-other',
      resourceGroup: 'rg-policies',
      location: 'europe',
      vault: 'kv-other',
      key: 'pp-key',
      principalId: policyPrincipal,
      subscriptionId: other,
    },
  ],
  otherPolicies: [{ name: 'vnet-home', resourceGroup: 'rg-policies', location: 'europe', kind: 'NetworkInjection' }],
  subscriptionTopics: [{ name: 'arm-home', resourceGroup: 'rg-events' }],
  roleAssignments: [
    { principalId: caller, roleDefinitionId: contributor, scope: `/subscriptions/${home}` },
    { principalId: caller, roleDefinitionId: owner, scope: `/subscriptions/${home}/resourceGroups/rg-keys` },
    { principalId: caller, roleDefinitionId: reader, scope: `/subscriptions/${other}` },
    { principalId: policyPrincipal, roleDefinitionId: owner, scope: `/subscriptions/${other}` },
  ],
});

let double: AzureDouble;
let credential: DefaultAzureCredential;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  double = await startAzureDouble({ scenario, pageSize: 1 });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  credential = new DefaultAzureCredential();
});

afterAll(async () => {
  await double.stop();
  for (const [name, value] of [
    ['IDENTITY_ENDPOINT', saved.endpoint],
    ['IDENTITY_HEADER', saved.header],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function get(path: string): Promise<PipelineResponse> {
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: armScope }));
  return pipeline.sendRequest(
    createDefaultHttpClient(),
    createPipelineRequest({ url: `${double.armEndpoint}${path}` }),
  );
}

/** Every item of a `{ value, nextLink }` list, following nextLink. */
async function list(path: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let next: string | undefined = `${double.armEndpoint}${path}`; next;) {
    const response = await get(next.slice(double.armEndpoint.length));
    expect(response.status, response.bodyAsText ?? '').toBe(200);
    const page = JSON.parse(response.bodyAsText ?? '{}') as { value: Record<string, unknown>[]; nextLink?: string };
    items.push(...page.value);
    next = page.nextLink;
  }
  return items;
}

const error = (response: PipelineResponse) =>
  (JSON.parse(response.bodyAsText ?? '{}') as { error: { code: string; message: string } }).error;

describe('several subscriptions', () => {
  it('serves a vault in its own subscription, and only there', async () => {
    const vaults = new KeyVaultManagementClient(credential, other, {
      endpoint: double.armEndpoint,
      tlsOptions: { ca: double.ca },
    });
    const kv = await vaults.vaults.get('rg-other-keys', 'kv-other');
    expect(kv.id).toBe(
      `/subscriptions/${other}/resourceGroups/rg-other-keys/providers/Microsoft.KeyVault/vaults/kv-other`,
    );
    expect(kv.properties.enableRbacAuthorization).toBe(false);

    const elsewhere = await get(
      `/subscriptions/${home}/resourceGroups/rg-other-keys/providers/Microsoft.KeyVault/vaults/kv-other?api-version=2023-07-01`,
    );
    expect(elsewhere.status).toBe(404);
    expect(error(elsewhere).code).toBe('ResourceNotFound');
  });

  it('lists each subscription its own enterprise policies, those of other kinds included, and refuses an unknown one', async () => {
    const path = (subscriptionId: string) =>
      `/subscriptions/${subscriptionId}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=2020-10-30-preview`;
    const homePolicies = await list(path(home));
    expect(homePolicies.map((policy) => [policy.name, policy.kind])).toEqual([
      ['cmk-home', 'Encryption'],
      ['vnet-home', 'NetworkInjection'],
    ]);
    expect(homePolicies[1]?.properties).not.toHaveProperty('encryption');
    expect((await list(path(other))).map((policy) => policy.id)).toEqual([
      `/subscriptions/${other}/resourceGroups/rg-policies/providers/Microsoft.PowerPlatform/enterprisePolicies/cmk-other`,
    ]);

    const response = await get(path(unknown));
    expect(response.status).toBe(404);
    expect(error(response)).toEqual({
      code: 'SubscriptionNotFound',
      message: `The subscription '${unknown}' could not be found.`,
    });
  });
});

describe('Event Grid system topics by subscription', () => {
  const path = (subscriptionId: string) =>
    `/subscriptions/${subscriptionId}/providers/Microsoft.EventGrid/systemTopics?api-version=2025-02-15`;

  it('lists the vault topic and the subscription topic as SystemTopics_ListBySubscription does, across pages', async () => {
    expect(await list(path(home))).toEqual([
      {
        properties: {
          provisioningState: 'Succeeded',
          source: `/subscriptions/${home}/resourceGroups/rg-keys/providers/microsoft.keyvault/vaults/kv-home`,
          topicType: 'microsoft.keyvault.vaults',
          metricResourceId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        },
        location: 'westeurope',
        tags: null,
        id: `/subscriptions/${home}/resourceGroups/rg-keys/providers/Microsoft.EventGrid/systemTopics/kv-home-events`,
        name: 'kv-home-events',
        type: 'Microsoft.EventGrid/systemTopics',
      },
      expect.objectContaining({
        id: `/subscriptions/${home}/resourceGroups/rg-events/providers/Microsoft.EventGrid/systemTopics/arm-home`,
        location: 'global',
        properties: expect.objectContaining({
          source: `/subscriptions/${home}`,
          topicType: 'microsoft.resources.subscriptions',
        }) as unknown,
      }),
    ]);
  });

  it('lists none in a subscription without topics, and refuses an unknown subscription', async () => {
    expect(await list(path(other))).toEqual([]);
    const response = await get(path(unknown));
    expect(response.status).toBe(404);
    expect(error(response).code).toBe('SubscriptionNotFound');
  });
});

describe("the caller's permissions", () => {
  const permissions = (scope: string) =>
    list(`${scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`);
  const contributorEntry = {
    actions: ['*'],
    notActions: expect.arrayContaining([
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
    ]) as unknown,
    dataActions: [],
    notDataActions: [],
  };

  it("lists one entry per role assignment of the caller at or above the scope, never another principal's", async () => {
    expect(await permissions(`/subscriptions/${home}`)).toEqual([contributorEntry]);
    expect(
      await permissions(`/subscriptions/${home}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-home`),
    ).toEqual([contributorEntry, { actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }]);
    expect(await permissions(`/subscriptions/${other}/resourceGroups/rg-other-keys`)).toEqual([
      { actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] },
    ]);
  });

  it('follows role assignments made after the start', async () => {
    const assignment = double.state.putRoleAssignment({
      scope: `/subscriptions/${other}/resourceGroups/rg-other-keys`,
      roleDefinitionId: owner,
      principalId: caller,
    });
    try {
      expect(await permissions(`/subscriptions/${other}/resourceGroups/rg-other-keys`)).toHaveLength(2);
    } finally {
      double.state.deleteRoleAssignment(assignment.id);
    }
  });

  it('refuses an unknown subscription or resource group as ARM does', async () => {
    const noSubscription = await get(
      `/subscriptions/${unknown}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`,
    );
    expect(noSubscription.status).toBe(404);
    expect(error(noSubscription).code).toBe('SubscriptionNotFound');
    const noGroup = await get(
      `/subscriptions/${home}/resourceGroups/rg-nowhere/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`,
    );
    expect(noGroup.status).toBe(404);
    expect(error(noGroup)).toEqual({
      code: 'ResourceGroupNotFound',
      message: "Resource group 'rg-nowhere' could not be found.",
    });
  });

  it('answers no route it does not serve', async () => {
    const response = await get(`/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`);
    expect(response.status).toBe(404);
    expect(error(response).code).toBe('InvalidResourceType');
  });
});
