import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCloudEvent, keyVaultEvent } from '../../support/eventPayloads.js';
import { startScannedWebhook, type Webhook } from '../../support/webhook.js';
import type { World } from '../../support/world.js';
import { environments } from '../scan/scenario.js';

let world: World;
let webhook: Webhook;
let url: string;

beforeAll(async () => {
  ({ world, webhook } = await startScannedWebhook());
  url = `${webhook.base}?functionName=keyVaultEvents`;
});
afterAll(async () => {
  webhook?.close();
  await world?.stop();
});

function post(body: string, contentType = 'application/json') {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'aeg-event-type': 'Notification' },
    body,
  });
}

async function statusOf(environmentId: string) {
  const { statuses } = await world.services.stores();
  return (await statuses.get(environmentId))?.value;
}

describe('the Event Grid webhook', () => {
  it('answers the subscription validation handshake', async () => {
    const validation = [
      {
        id: '1',
        topic: 't',
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: new Date().toISOString(),
        data: { validationCode: 'abc-123' },
        dataVersion: '1',
      },
    ];
    const response = await post(JSON.stringify(validation));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ validationResponse: 'abc-123' });
  });

  it('answers the CloudEvents OPTIONS handshake', async () => {
    const response = await fetch(url, {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('processes the good events of a batch and keeps the bad ones, acknowledging the whole batch', async () => {
    const version = world.double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    world.double.state.disableKeyVersion('kv-main', 'k-healthy', version);
    const good = keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version);
    const bad = { ...good, id: 'bad-one', data: { ...good.data, EXP: { not: 'a date' } } };
    const response = await post(JSON.stringify([bad, good, 'not an event']));
    expect(response.status).toBe(200);
    expect((await statusOf(environments.shared[0]!))?.status).toBe('outage');
    const { events } = await world.services.stores();
    const rejected = await events.rejected(new Date());
    expect(rejected.map((r) => r.reason).sort()).toEqual([
      'data.exp: expected Unix seconds as a number, a numeric string or null',
      'event: expected an object, got string',
    ]);
    world.double.state.updateKeyVersion('kv-main', 'k-healthy', version, { enabled: true });
  });

  it('takes a CloudEvents batch', async () => {
    const version = world.double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    const event = asCloudEvent(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-healthy', version));
    const response = await post(JSON.stringify([event]), 'application/cloudevents-batch+json; charset=utf-8');
    expect(response.status).toBe(200);
    expect((await statusOf(environments.shared[0]!))?.status).toBe('healthy');
  });

  it('refuses a body that is not JSON, or larger than 1 MB, without invoking the function', async () => {
    const { events } = await world.services.stores();
    const before = await events.counts(new Date());
    expect((await post('{"id": ')).status).toBe(400);
    expect((await post(JSON.stringify([{ padding: 'x'.repeat(1_100_000) }]))).status).toBe(413);
    expect((await post(JSON.stringify(Array(5_001).fill(null)))).status).toBe(400);
    expect(await events.counts(new Date())).toEqual(before);
  });

  it('takes a batch as large as Event Grid sends, a few invocations at a time, and keeps every bad event in it', async () => {
    const { events } = await world.services.stores();
    const before = await events.counts(new Date());
    expect((await post(JSON.stringify(Array(5_000).fill(null)))).status).toBe(200);
    expect((await events.counts(new Date())).rejected - before.rejected).toBe(5_000);
  }, 60_000);

  it('answers 500 when the truth cannot be read for now, so Event Grid delivers again', async () => {
    world.double.fault('arm:keys:kv-main', { status: 503 });
    try {
      const response = await post(
        JSON.stringify([keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring')]),
      );
      expect(response.status).toBe(500);
    } finally {
      world.double.clearFaults();
    }
  });
});
