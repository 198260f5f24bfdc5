/**
 * Hostile Key Vault audit records, as the Event Grid fault suite has hostile events: a fixed corpus (seeded PRNG) of
 * mutated records and messages, handed to the production keyVaultAuditEvents function in batches against Azurite and
 * the Azure double. No batch fails, every rejected record is kept, no status moves, and no outside text is stored
 * but in the rejected payloads themselves.
 */
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditHandler } from '../../../functions/auditEvents.js';
import { adminIdentity } from '../../../sandbox/double/identity.js';
import { noTokenCredential } from '../../../sandbox/azurite.js';
import { openTables } from '../../../shared/adapters/tables/tables.js';
import { hostileMarkers } from '../../support/hostileEvents.js';
import { startWorld, type World } from '../../support/world.js';
import { principals, scanScenario } from '../scan/scenario.js';

const seed = 0x5eed_0014;
const batches = 40;
const perBatch = 25;

/** mulberry32: a small seeded PRNG, so the corpus is the same on every run. */
function random(state: number): () => number {
  let s = state;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let world: World;
let vaultId = '';
let vaultUri = '';
beforeAll(async () => {
  world = await startWorld(scanScenario());
  await world.services.scan(() => undefined);
  vaultId = world.double.state.vaultId(world.double.state.requireVault('kv-main')).toUpperCase();
  vaultUri = world.double.vaultUris['kv-main'] ?? '';
});
afterAll(() => world?.stop());

/** A write an administrator made: a hint whose re-read finds nothing changed. */
function template(): Record<string, unknown> {
  return {
    time: new Date().toISOString(),
    resourceId: vaultId,
    operationName: 'KeyUpdate',
    operationVersion: '7.5',
    category: 'AuditEvent',
    resultType: 'Success',
    resultSignature: 'OK',
    durationMs: '3',
    callerIpAddress: '10.0.0.1',
    correlationId: '',
    identity: { claim: { oid: adminIdentity.principalId, appid: adminIdentity.clientId } },
    properties: {
      id: `${vaultUri}keys/k-healthy`,
      requestUri: `${vaultUri}keys/k-healthy?api-version=7.5`,
      httpStatusCode: 200,
      clientInfo: 'portal',
    },
  };
}

function corpus(): unknown[][] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const hostile = () =>
    `${pick(hostileMarkers)}${pick(['', 'x'.repeat(300), 'kv-main', 'KeyUnwrap'])}${pick(hostileMarkers)}`;
  const deep = (levels: number): unknown => (levels ? { records: [deep(levels - 1)] } : 'bottom');
  const values = () =>
    pick<unknown>([
      hostile(),
      null,
      42,
      -1,
      1e308,
      true,
      [],
      {},
      [hostile()],
      { nested: hostile() },
      'x'.repeat(100_000),
      deep(40),
    ]);
  const paths = [
    'time',
    'resourceId',
    'operationName',
    'category',
    'resultSignature',
    'identity',
    'identity.claim',
    'identity.claim.oid',
    'identity.claim.appid',
    'properties',
    'properties.id',
    'properties.requestUri',
    'properties.httpStatusCode',
  ];
  const mutate = (record: Record<string, unknown>) => {
    const path = pick(paths).split('.');
    let target = record;
    for (const key of path.slice(0, -1)) {
      const inner = target[key];
      if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    const last = path.at(-1) ?? '';
    if (next() < 0.2) delete target[last];
    else target[last] = values();
    return record;
  };
  const recordOf = (): unknown => {
    const roll = next();
    if (roll < 0.05) return hostile();
    if (roll < 0.1) return values();
    if (roll < 0.15)
      return {
        ...template(),
        identity: { claim: { oid: principals.healthy, appid: adminIdentity.clientId } },
        resourceId: `/subscriptions/${hostile()}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-main`,
        operationName: 'KeyUnwrap',
        properties: { httpStatusCode: 403 },
      };
    let record = template();
    const mutations = 1 + Math.floor(next() * 3);
    for (let i = 0; i < mutations; i++) record = mutate(record);
    return record;
  };
  return Array.from({ length: batches }, () => {
    const messages: unknown[] = [{ records: Array.from({ length: perBatch }, recordOf) }];
    if (next() < 0.3)
      messages.push(
        pick<unknown>([
          '{"records": [',
          '',
          'null',
          JSON.stringify({ records: 'none' }),
          { value: [] },
          Buffer.from('\u0000\u202e'),
          deep(60),
        ]),
      );
    return messages;
  });
}

describe('hostile Key Vault audit records', () => {
  it('never fail a batch, keep every rejected record with its reason, and leave every status and no outside text behind', async () => {
    const { statuses } = await world.services.stores();
    const before = [...(await statuses.list()).values()].map(({ value }) => value);
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'keyVaultAuditEvents',
      logHandler: (_level, ...args) => lines.push(args.join(' ')),
    });
    const handler = createAuditHandler(() => world.services);
    let rejected = 0;
    for (const messages of corpus()) {
      lines.length = 0;
      await handler(messages, context);
      rejected += Number(/ (\d+) rejected$/.exec(lines.at(-1) ?? '')?.[1] ?? Number.NaN);
      expect(lines.every((line) => !line.includes('\n') && !line.includes('\u202e'))).toBe(true);
    }
    expect(rejected).toBeGreaterThan(batches * 3);

    const after = [...(await statuses.list()).values()].map(({ value }) => value);
    expect(after).toEqual(before);
    const stored = await (await world.services.stores()).events.rejected(new Date(), 10_000);
    expect(stored).toHaveLength(rejected);
    expect(stored.every((event) => event.reason.length > 0 && !event.reason.includes('\n'))).toBe(true);

    const tables = openTables(world.services.config, noTokenCredential);
    for (const name of ['Status', 'Refusals', 'Inventory'] as const) {
      const rows = [];
      for await (const row of (await tables.get(name)).listEntities()) rows.push(JSON.stringify(row));
      for (const marker of hostileMarkers)
        expect(
          rows.filter((row) => row.includes(marker)),
          `${name} holds ${JSON.stringify(marker)}`,
        ).toEqual([]);
    }
  });
});
