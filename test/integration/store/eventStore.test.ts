import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { openTables } from '../../../shared/adapters/tables/tables.js';
import { EventStore } from '../../../shared/adapters/tables/eventStore.js';
import { noTokenCredential } from '../../../sandbox/azurite.js';
import { azuriteTables } from '../../support/tables.js';

function counted(): { store: Promise<EventStore>; requests: () => number } {
  let requests = 0;
  const policy: PipelinePolicy = { name: 'count', sendRequest: (request, next) => ((requests += 1), next(request)) };
  const tables = openTables(azuriteTables(), noTokenCredential, {
    additionalPolicies: [{ policy, position: 'perCall' }],
  });
  return { store: tables.get('Events').then((table) => new EventStore(table)), requests: () => requests };
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: [value] };
  return value;
}

describe('EventStore', () => {
  it('counts a thousand concurrent outcomes with one insert, and later ones with one each, none lost', async () => {
    const { store, requests } = counted();
    const events = await store;
    const before = requests();
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => events.count(i % 4 === 0 ? 'rejected' : 'processed')));
    expect(requests() - before).toBe(1);
    await events.count('ignored');
    await events.count('ignored');
    expect(requests() - before).toBe(3);
    expect(await events.counts(new Date())).toEqual({ processed: 750, unaffected: 0, ignored: 2, rejected: 250 });
  });

  it('keeps a rejected payload of any depth or size, cut with a note', async () => {
    const events = await counted().store;
    const now = new Date();
    await events.reject(
      { receivedAt: now.toISOString(), functionName: 'keyVaultEvents', reason: 'deep', payload: nested(10_000) },
      now,
    );
    await events.reject(
      {
        receivedAt: now.toISOString(),
        functionName: 'keyVaultEvents',
        reason: 'large',
        payload: { id: 'i'.repeat(900_000) },
      },
      now,
    );
    await events.reject(
      { receivedAt: now.toISOString(), functionName: 'keyVaultEvents', reason: 'emoji', payload: '😀'.repeat(20_000) },
      now,
    );
    const stored = new Map((await events.rejected(now)).map((event) => [event.reason, event.payload]));
    expect(stored.get('deep')).toMatch(/^\{"a":\[\{"a":\[.*"\[Object\]"/);
    expect(stored.get('large')).toMatch(/… \(cut: 900009 characters in all\)$/);
    expect(stored.get('emoji')).toMatch(/😀… \(cut: 40000 characters in all\)$/);
  });
});
