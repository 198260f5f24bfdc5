/** The double's writes, made through the real SDK clients, arrive at a webhook as the Event Grid events Azure sends. */
import type { IncomingHttpHeaders } from 'node:http';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { DefaultAzureCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureDouble, type AzureDouble, type EventSchema } from '../../../sandbox/double/index.js';
import { EventPublisher } from '../../../sandbox/double/publisher.js';
import { parseScenario } from '../../../sandbox/scenario.js';
import { startReceiver } from '../../support/receiver.js';

const subscriptionId = '0c2f4e6a-8b1d-4c3e-9f5a-7d6b8e9f0a1b';
const policyPrincipal = '4b7e9d2c-1a3f-4e5d-8c6b-9a0f1e2d3c4b';
const vaultName = 'kv-events-test';
const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/${vaultName}`;
const armScope = 'https://management.azure.com/.default';
const validationType = 'Microsoft.EventGrid.SubscriptionValidationEvent';

const scenario = parseScenario({
  subscriptionId,
  vaults: [
    {
      name: vaultName,
      resourceGroup: 'rg-cmk',
      softDelete: true,
      purgeProtection: true,
      rbac: true,
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
      roleAssignments: [
        { principalId: policyPrincipal, roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6', scope: 'vault' },
      ],
      keys: [
        {
          name: 'pp-key',
          kty: 'RSA',
          size: 2048,
          versions: [
            { enabled: true, createdDaysAgo: 40, expiresInDays: 325 },
            { enabled: true, createdDaysAgo: 3, expiresInDays: 20 },
          ],
          rotationPolicy: { expiresAfter: 'P1Y', notifyBefore: 'P30D' },
        },
        {
          name: 'old-key',
          kty: 'RSA',
          size: 2048,
          versions: [{ enabled: true, createdDaysAgo: 90, expiresInDays: null }],
          deletedDaysAgo: 5,
        },
      ],
    },
  ],
});

interface Received {
  method: string;
  functionName: string | null;
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface WireEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  data: Record<string, unknown>;
  dataVersion: string;
}

/** A webhook like the Functions host's: answers both handshakes, records everything, fails on demand. */
class Receiver {
  readonly requests: Received[] = [];
  /** Notifications to answer with this status before answering 200 again. */
  failures: number[] = [];
  url = '';
  private receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  async start(): Promise<void> {
    this.receiver = await startReceiver((req, text, res) => {
      const body: unknown = text ? JSON.parse(text) : undefined;
      const functionName = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('functionName');
      this.requests.push({ method: req.method ?? '', functionName, headers: req.headers, body });
      const origin = req.headers['webhook-request-origin'];
      if (req.method === 'OPTIONS' && typeof origin === 'string') {
        res.writeHead(200, { 'WebHook-Allowed-Origin': origin }).end();
        return;
      }
      const validation = Array.isArray(body)
        ? (body as WireEvent[]).find((event) => event.eventType === validationType)
        : undefined;
      if (validation) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ validationResponse: validation.data.validationCode }));
        return;
      }
      res.writeHead(this.failures.shift() ?? 200).end();
    });
    this.url = `${this.receiver.url}/runtime/webhooks/eventgrid`;
  }

  async stop(): Promise<void> {
    await this.receiver?.stop();
  }

  /** Event Grid schema notifications, one event each. */
  notifications(functionName?: string): WireEvent[] {
    return this.requests
      .filter(
        (request) =>
          request.headers['aeg-event-type'] === 'Notification' &&
          (functionName === undefined || request.functionName === functionName),
      )
      .map((request) => {
        const events = request.body as WireEvent[];
        expect(events).toHaveLength(1);
        return events[0]!;
      });
  }

  clear(): void {
    this.requests.length = 0;
  }
}

async function startWithEvents(receiver: Receiver, schema: EventSchema): Promise<AzureDouble> {
  return startAzureDouble({ scenario, events: { url: receiver.url, schema, retryDelaysMs: [20, 20, 20] } });
}

const savedEnvironment = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

afterAll(() => {
  restore('IDENTITY_ENDPOINT', savedEnvironment.endpoint);
  restore('IDENTITY_HEADER', savedEnvironment.header);
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe('Event Grid schema delivery', () => {
  const receiver = new Receiver();
  let double: AzureDouble;
  let keys: KeyClient;
  let authorization: AuthorizationManagementClient;

  beforeAll(async () => {
    await receiver.start();
    double = await startWithEvents(receiver, 'EventGridSchema');
    process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
    process.env.IDENTITY_HEADER = double.identityHeader;
    const credential = new DefaultAzureCredential();
    const tlsOptions = { ca: double.ca };
    keys = new KeyClient(double.vaultUris[vaultName] ?? '', credential, {
      tlsOptions,
      disableChallengeResourceVerification: true,
    });
    authorization = new AuthorizationManagementClient(credential, subscriptionId, {
      endpoint: double.armEndpoint,
      tlsOptions,
      credentialScopes: [armScope],
    });
  });

  afterAll(async () => {
    await double.stop();
    await receiver.stop();
  });

  it('publishes nothing for the scenario seeding, not even the deleted key', async () => {
    await double.eventsSettled();
    expect(receiver.requests).toEqual([]);
  });

  it('publishes nothing when a version is disabled: Key Vault has no event for it', async () => {
    const [first] = double.state.versionIds(vaultName, 'pp-key');
    await keys.updateKeyProperties('pp-key', first!, { enabled: false });
    await double.eventsSettled();
    expect(receiver.requests).toEqual([]);
  });

  it('validates the subscription first, then delivers the first event Key Vault publishes', async () => {
    const created = await keys.createKey('pp-key', 'RSA');
    await double.eventsSettled();

    const [handshake, notification] = receiver.requests;
    expect(handshake).toMatchObject({
      method: 'POST',
      functionName: 'keyVaultEvents',
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
    });
    expect((handshake!.body as WireEvent[])[0]!.eventType).toBe(validationType);
    expect(notification).toMatchObject({
      method: 'POST',
      functionName: 'keyVaultEvents',
      headers: { 'aeg-event-type': 'Notification' },
    });
    expect(receiver.requests).toHaveLength(2);
    const events = receiver.notifications();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      topic: vaultId,
      subject: 'pp-key',
      eventType: 'Microsoft.KeyVault.KeyNewVersionCreated',
      dataVersion: '1',
      metadataVersion: '1',
      data: {
        Id: `${double.vaultUris[vaultName]}keys/pp-key/${created.properties.version}`,
        VaultName: vaultName,
        ObjectType: 'Key',
        ObjectName: 'pp-key',
        Version: created.properties.version,
      },
    });
  });

  it('delivers KeyNewVersionCreated for a new version of an existing key', async () => {
    receiver.clear();
    const created = await keys.createKey('pp-key', 'RSA');
    await double.eventsSettled();

    const events = receiver.notifications('keyVaultEvents');
    expect(events.map((event) => event.eventType)).toEqual(['Microsoft.KeyVault.KeyNewVersionCreated']);
    const data = events[0]!.data;
    expect(data.Version).toBe(created.properties.version);
    expect(data.EXP === null || typeof data.EXP === 'number').toBe(true);
    expect(data.EXP).toBe(Math.floor(created.properties.expiresOn!.getTime() / 1000));
    expect(receiver.requests.some((request) => request.headers['aeg-event-type'] === 'SubscriptionValidation')).toBe(
      false,
    );
  });

  it('delivers ResourceDeleteSuccess to resourceEvents for a deleted role assignment, after that function’s handshake', async () => {
    receiver.clear();
    const assignment = double.state.roleAssignments[0]!;
    await authorization.roleAssignments.deleteById(assignment.id);
    await double.eventsSettled();

    expect(receiver.requests[0]).toMatchObject({
      functionName: 'resourceEvents',
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
    });
    const events = receiver.notifications('resourceEvents');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      topic: `/subscriptions/${subscriptionId}`,
      subject: assignment.id,
      eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
      dataVersion: '2',
      data: {
        resourceProvider: 'Microsoft.Authorization',
        resourceUri: assignment.id,
        operationName: 'Microsoft.Authorization/roleAssignments/delete',
        status: 'Succeeded',
      },
    });
    expect(assignment.id).toMatch(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[0-9a-f-]{36}$/);
  });

  it('retries a failed delivery until the webhook accepts it', async () => {
    receiver.clear();
    receiver.failures = [500, 500];
    double.state.createKeyVersion(vaultName, 'pp-key');
    await double.eventsSettled();

    const attempts = receiver.requests.filter((request) => request.headers['aeg-event-type'] === 'Notification');
    expect(attempts.map((request) => request.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
    expect(new Set(receiver.notifications().map((event) => event.id)).size).toBe(1);
    expect(receiver.failures).toEqual([]);
  });
});

describe('EventPublisher failures', () => {
  const receiver = new Receiver();
  const event: WireEvent & { eventTime: string; metadataVersion: '1' } = {
    id: 'e1',
    topic: vaultId,
    subject: 'pp-key',
    eventType: 'Microsoft.KeyVault.KeyNewVersionCreated',
    eventTime: new Date().toISOString(),
    data: {},
    dataVersion: '1',
    metadataVersion: '1',
  };

  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('dead-letters after the retries run out, and at once on 400', async () => {
    const publisher = new EventPublisher({ url: receiver.url, retryDelaysMs: [5, 5], log: () => {} });
    receiver.failures = [503, 503, 503, 400];
    publisher.publish(event);
    await publisher.settled();
    publisher.publish({ ...event, id: 'e2' });
    await publisher.settled();

    expect(publisher.published()).toBe(0);
    expect(publisher.deadLettered().map((dead) => [dead.event.id, dead.attempts, dead.reason])).toEqual([
      ['e1', 3, 'HTTP 503'],
      ['e2', 1, 'HTTP 400'],
    ]);
  });

  it('dead-letters on an unreachable webhook and stops retrying when stopped', async () => {
    const publisher = new EventPublisher({
      url: 'http://127.0.0.1:1/runtime/webhooks/eventgrid',
      retryDelaysMs: [60_000],
      log: () => {},
    });
    publisher.publish(event);
    await new Promise((resolve) => setTimeout(resolve, 100));
    publisher.stop();
    await publisher.settled();
    expect(publisher.deadLettered().map((dead) => dead.reason)).toEqual(['publisher stopped']);
  });
});

describe('CloudEvents 1.0 delivery', () => {
  const receiver = new Receiver();
  let double: AzureDouble;

  beforeAll(async () => {
    await receiver.start();
    double = await startWithEvents(receiver, 'CloudEventSchemaV1_0');
  });

  afterAll(async () => {
    await double.stop();
    await receiver.stop();
  });

  it('validates with OPTIONS, then posts single CloudEvents', async () => {
    double.state.createKeyVersion(vaultName, 'pp-key');
    double.state.setVault(vaultName, { rbac: false });
    await double.eventsSettled();

    expect(
      receiver.requests
        .filter((request) => request.method === 'OPTIONS')
        .map((request) => [request.functionName, request.headers['webhook-request-origin']])
        .sort(),
    ).toEqual([
      ['keyVaultEvents', 'eventgrid.azure.net'],
      ['resourceEvents', 'eventgrid.azure.net'],
    ]);
    for (const functionName of ['keyVaultEvents', 'resourceEvents']) {
      expect(receiver.requests.find((request) => request.functionName === functionName)?.method).toBe('OPTIONS');
    }
    const posts = receiver.requests.filter((request) => request.method === 'POST');
    expect(
      posts.every((request) => request.headers['content-type'] === 'application/cloudevents+json; charset=utf-8'),
    ).toBe(true);
    const events = posts.map(
      (request) => request.body as { specversion: string; type: string; source: string; datacontenttype: string },
    );
    expect(events.every((cloudEvent) => !Array.isArray(cloudEvent) && cloudEvent.specversion === '1.0')).toBe(true);
    expect(events.map((cloudEvent) => cloudEvent.type).sort()).toEqual([
      'Microsoft.KeyVault.KeyNewVersionCreated',
      'Microsoft.KeyVault.VaultAccessPolicyChanged',
      'Microsoft.Resources.ResourceWriteSuccess',
    ]);
    expect(events.find((cloudEvent) => cloudEvent.type === 'Microsoft.KeyVault.KeyNewVersionCreated')).toMatchObject({
      source: vaultId,
      datacontenttype: 'application/json',
    });
  });
});
