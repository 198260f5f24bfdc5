/**
 * What the double serves to infra:teardown, as ARM does: the event subscriptions of Event Grid system topics (read,
 * deleted through an asynchronous operation) and the removal of access-policy entries, through real clients.
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
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { parseScenario } from '../../../sandbox/scenario.js';

const home = '3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const monitor = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
const keyAdmins = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const armScope = 'https://management.azure.com/.default';
const topic = `/subscriptions/${home}/resourceGroups/rg-keys/providers/Microsoft.EventGrid/systemTopics/kv-home-events`;

const vault = (name: string, extra: object) => ({
  name,
  resourceGroup: 'rg-keys',
  softDelete: true,
  purgeProtection: true,
  rbac: false,
  publicNetworkAccess: 'Enabled',
  networkDefaultAction: 'Allow',
  trustedServicesBypass: true,
  ...extra,
});

const scenario = {
  subscriptionId: home,
  vaults: [
    vault('kv-home', {
      systemTopic: 'kv-home-events',
      eventSubscriptions: ['cmk-monitor', 'siem-export'],
      accessPolicies: [
        { objectId: monitor, keys: ['Get', 'List', 'GetRotationPolicy'] },
        { objectId: keyAdmins, keys: ['get', 'list', 'update'] },
      ],
    }),
  ],
  subscriptionTopics: [{ name: 'arm-home', resourceGroup: 'rg-events', eventSubscriptions: ['cmk-monitor'] }],
};

let double: AzureDouble;
let credential: DefaultAzureCredential;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  double = await startAzureDouble({ scenario: parseScenario(scenario) });
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

async function send(method: 'GET' | 'DELETE', url: string): Promise<PipelineResponse> {
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: armScope }));
  const absolute = url.startsWith('https://') ? url : `${double.armEndpoint}${url}`;
  return pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url: absolute, method }));
}

const json = (response: PipelineResponse) => JSON.parse(response.bodyAsText ?? '{}') as Record<string, unknown>;
const eventSubscription = (topicId: string, name: string) =>
  `${topicId}/eventSubscriptions/${name}?api-version=2025-02-15`;
const eventSubscriptionsOn = (name: string) =>
  double.state.systemTopics.find((candidate) => candidate.name === name)?.eventSubscriptions;

describe('event subscriptions of a system topic', () => {
  it('serves one as SystemTopicEventSubscriptions_Get does', async () => {
    const response = await send('GET', eventSubscription(topic, 'siem-export'));

    expect(response.status).toBe(200);
    expect(json(response)).toEqual({
      properties: {
        topic,
        provisioningState: 'Succeeded',
        eventDeliverySchema: 'EventGridSchema',
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      },
      id: `${topic}/eventSubscriptions/siem-export`,
      name: 'siem-export',
      type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
    });
  });

  it('deletes one through an asynchronous operation, leaving the others, and answers 204 for one that is gone', async () => {
    const armTopic = `/subscriptions/${home}/resourceGroups/rg-events/providers/Microsoft.EventGrid/systemTopics/arm-home`;
    const accepted = await send('DELETE', eventSubscription(armTopic, 'cmk-monitor'));

    expect(accepted.status).toBe(202);
    expect(accepted.bodyAsText ?? '').toBe('');
    const operations = `${double.armEndpoint}/subscriptions/${home}/providers/Microsoft.EventGrid/locations/global`;
    const statusUrl = accepted.headers.get('azure-asyncoperation') ?? '';
    expect(statusUrl).toMatch(new RegExp(`^${operations}/operationsStatus/[0-9A-F-]{36}\\?api-version=2025-02-15$`));
    expect(accepted.headers.get('location')).toBe(statusUrl.replace('/operationsStatus/', '/operationResults/'));
    expect(accepted.headers.get('retry-after')).toBe('1');

    const status = await send('GET', statusUrl);
    expect(status.status).toBe(200);
    expect(json(status)).toEqual({
      id: statusUrl,
      name: statusUrl.split('/').pop()?.split('?')[0]?.toLowerCase(),
      status: 'Succeeded',
    });
    expect((await send('GET', accepted.headers.get('location') ?? '')).status).toBe(204);

    expect(eventSubscriptionsOn('arm-home')).toEqual([]);
    expect((await send('GET', eventSubscription(armTopic, 'cmk-monitor'))).status).toBe(404);
    expect((await send('DELETE', eventSubscription(armTopic, 'cmk-monitor'))).status).toBe(204);
    expect(eventSubscriptionsOn('kv-home-events')).toEqual(['cmk-monitor', 'siem-export']);
  });

  it('refuses a topic that does not exist, and an operation it never started', async () => {
    const missingTopic = `/subscriptions/${home}/resourceGroups/rg-keys/providers/Microsoft.EventGrid/systemTopics/kv-gone`;
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await send(method, eventSubscription(missingTopic, 'cmk-monitor'));
      expect(response.status).toBe(404);
      const { error } = json(response) as { error: { code: string; message: string } };
      expect(error.code).toBe('ParentResourceNotFound');
      expect(error.message).toContain(`the parent resource '${missingTopic}' could not be found`);
    }
    const unknownOperation = await send(
      'GET',
      `/subscriptions/${home}/providers/Microsoft.EventGrid/locations/global/operationsStatus/0F0F0F0F-0F0F-4F0F-8F0F-0F0F0F0F0F0F?api-version=2025-02-15`,
    );
    expect(unknownOperation.status).toBe(404);
  });
});

describe('access policies: accessPolicies/remove', () => {
  const vaults = () =>
    new KeyVaultManagementClient(credential, home, { endpoint: double.armEndpoint, tlsOptions: { ca: double.ca } });
  const entry = (objectId: string, keys: string[]) => ({ tenantId: double.tenantId, objectId, permissions: { keys } });
  const holders = () =>
    double.state.vault('kv-home')?.accessPolicies.map((policy) => [policy.objectId, policy.permissions.keys]);

  it('takes out only the permissions it is sent, matched case-sensitively, and answers 200 when none matched', async () => {
    const client = vaults();
    const reply = await client.vaults.updateAccessPolicy('rg-keys', 'kv-home', 'remove', {
      properties: { accessPolicies: [entry(monitor, ['get', 'list', 'getrotationpolicy'])] },
    });
    expect(reply.id).toBe(
      `/subscriptions/${home}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-home/accessPolicies/`,
    );
    expect(holders()).toEqual([
      [monitor, ['Get', 'List', 'GetRotationPolicy']],
      [keyAdmins, ['get', 'list', 'update']],
    ]);

    await client.vaults.updateAccessPolicy('rg-keys', 'kv-home', 'remove', {
      properties: { accessPolicies: [entry(keyAdmins, ['update'])] },
    });
    expect(holders()).toEqual([
      [monitor, ['Get', 'List', 'GetRotationPolicy']],
      [keyAdmins, ['get', 'list']],
    ]);
  });

  it('drops the entry once it has no permission left', async () => {
    await vaults().vaults.updateAccessPolicy('rg-keys', 'kv-home', 'remove', {
      properties: { accessPolicies: [entry(monitor, ['Get', 'List', 'GetRotationPolicy'])] },
    });
    expect(holders()).toEqual([[keyAdmins, ['get', 'list']]]);
  });
});

describe('the scenario', () => {
  it('wants the system topic that event subscriptions are on, and no name twice on one topic', () => {
    const withoutTopic = { ...scenario, vaults: [vault('kv-home', { eventSubscriptions: ['cmk-monitor'] })] };
    expect(() => parseScenario(withoutTopic)).toThrow(
      /vaults\[0\]\.eventSubscriptions: event subscriptions need the systemTopic they are on/,
    );

    const twice = {
      ...scenario,
      subscriptionTopics: [
        { name: 'arm-home', resourceGroup: 'rg-events', eventSubscriptions: ['cmk-monitor', 'CMK-monitor'] },
      ],
    };
    expect(() => parseScenario(twice)).toThrow(
      /subscriptionTopics\[0\]\.eventSubscriptions\[1\]: duplicate event subscription name on this topic/,
    );
  });
});
