/**
 * A flood: 8 Event Grid batches of 2,000 events in flight at once, through the host's webhook to the production event
 * function. Identical hints share one re-read and counters gather their increments, so the work stays bounded by the
 * keys touched, not by the events delivered (npm run bench prints the speed and the memory).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyVaultEvent } from '../../support/eventPayloads.js';
import { startScannedWebhook, type Webhook } from '../../support/webhook.js';
import type { World } from '../../support/world.js';

const batches = 8;
const perBatch = 2_000;

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

describe('a flood of events', () => {
  it('answers 8 batches of 2,000 events with work bounded by the keys they name, every event counted', async () => {
    const { state } = world.double;
    const keys = state.policies.map((policy) => ({ vault: policy.vaultName, key: policy.keyName }));
    const { events } = await world.services.stores();
    const before = await events.counts(new Date());
    world.double.resetRequests();
    world.tables.reset();

    const answers = await Promise.all(
      Array.from({ length: batches }, async () => {
        const batch = Array.from({ length: perBatch }, (_, i) => {
          const { vault, key } = keys[i % keys.length] ?? { vault: '', key: '' };
          const {
            metadataVersion: _metadata,
            data,
            ...event
          } = keyVaultEvent(world.double, 'KeyNearExpiry', vault, key, state.versionIds(vault, key).at(-1) ?? null);
          const { NBF: _notBefore, ...compact } = data;
          // As small as Azure sends them, so 2,000 fit in Event Grid's 1 MB.
          return { ...event, id: `f${i}-${event.id.slice(0, 6)}`, data: compact };
        });
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
          body: JSON.stringify(batch),
        });
        return response.status;
      }),
    );

    expect(answers).toEqual(Array.from({ length: batches }, () => 200));
    const after = await events.counts(new Date());
    expect(after.processed + after.unaffected - before.processed - before.unaffected).toBe(batches * perBatch);
    const azure = Object.entries(world.double.requests()).reduce(
      (sum, [kind, n]) => sum + (kind.startsWith('arm.') || kind.startsWith('keyvault.') ? n : 0),
      0,
    );
    // Per key, one re-read in progress and one queued at most: the requests follow the keys, not the 16,000 events.
    expect(azure).toBeLessThanOrEqual(keys.length * 2 * 10);
    expect(world.tables.writes.length).toBeLessThan(200);
  }, 120_000);
});
