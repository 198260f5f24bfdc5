import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../../support/world.js';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { guid } from './scenario.js';

/** 640 environments behind one healthy key, listed two to a page: 320 pages. */
const ids = Array.from({ length: 640 }, (_, i) => guid(1000 + i));
const principal = guid(101);

let world: World;
/** The Inventory table's reads, as sent. */
const inventoryReads: URL[] = [];

beforeAll(async () => {
  world = await startWorld(
    {
      subscriptionId: '11111111-1111-4111-8111-111111111111',
      vaults: [healthyVaultOf('kv-main', [principal], [key('k', [version(10, 355)])])],
      policies: [policy('cmk', 'kv-main', 'k', principal)],
      environments: ids.map((id, i) => ({ ...environment(id, `Env ${i}`, 'cmk'), runtimeState: 'Enabled' })),
    },
    {},
    {
      double: { pageSize: 2 },
      tablePolicies: [
        {
          name: 'inventoryReads',
          sendRequest: (request, next) => {
            const url = new URL(request.url);
            if (request.method === 'GET' && /Inventory\(\)$/.test(url.pathname)) inventoryReads.push(url);
            return next(request);
          },
        },
      ],
    },
  );
});
afterAll(() => world?.stop());

const scan = () => world.services.scan(() => undefined);

describe('a scan on a warm instance', () => {
  it('reads back nothing it kept, yet finds one field of one environment changed on page 317 of 320', async () => {
    // The second scan saves the snapshots of the statuses the first one wrote; the third changes nothing.
    await scan();
    await scan();
    world.tables.reset();
    inventoryReads.length = 0;
    const unchanged = await scan();
    expect(unchanged.writes).toEqual({ environments: 0, transactions: 0, chains: 0, links: 0 });
    expect(world.tables.writes).toHaveLength(1);
    // The links are not read back: only their keys and ETags, to know they are the ones kept.
    expect(inventoryReads.length).toBeGreaterThan(0);
    for (const url of inventoryReads)
      expect(url.searchParams.get('$select'), url.searchParams.get('$filter') ?? '').toBe('RowKey');

    // Two environments a page: the 633rd is on page 317.
    const changed = ids[632] ?? '';
    world.double.state.setEnvironmentRuntimeState(changed, 'Disabled');
    world.double.resetRequests();
    const summary = await scan();
    expect(world.double.requests()['powerPlatform.listEnvironments']).toBe(320);
    expect(summary.writes.links).toBe(1);
    const { links } = await world.services.stores();
    const stored = await links.list();
    expect(stored.get(changed)?.link.environment.runtimeState).toBe('Disabled');
    expect([...stored.values()].filter((s) => s.link.environment.runtimeState !== 'Enabled')).toHaveLength(1);
  });
});
