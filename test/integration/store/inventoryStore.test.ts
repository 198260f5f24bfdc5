import { describe, expect, it } from 'vitest';
import type { Link } from '../../../shared/domain/links.js';
import { InventoryStore } from '../../../shared/adapters/tables/inventoryStore.js';
import { openTestTables } from '../../support/tables.js';

const policy = {
  id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/p',
  name: 'p',
  location: 'europe',
  vaultId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v',
  keyName: 'k',
  keyVersion: null,
  principalId: '11111111-2222-3333-4444-555555555555',
};

const link = (overrides: Partial<Link> = {}): Link => ({
  environmentId: 'e1',
  environment: { displayName: 'Sales', location: 'europe', sku: 'Production', managed: true, linkStatus: 'Linking' },
  policyId: policy.id,
  policy: { ...policy, healthStatus: 'Warning' },
  previous: null,
  linkStatusSince: '2026-11-20T12:00:00.000Z',
  ...overrides,
});

describe('InventoryStore', () => {
  it("keeps the link status, when it was first seen, and the policy's health", async () => {
    const table = await openTestTables().get('Inventory');
    const store = new InventoryStore(table);
    await store.save(new Map(), new Map([['e1', link()]]));
    const stored = await store.list();
    expect(stored.get('e1')?.link).toEqual(link());
    expect((await store.save(stored, new Map([['e1', link()]]))).written).toBe(0);
    expect(
      (await store.save(stored, new Map([['e1', link({ linkStatusSince: '2026-11-21T12:00:00.000Z' })]]))).written,
    ).toBe(1);
  });

  it('keeps what Power Platform reports of the environment, and rewrites the row when its runtime state changes', async () => {
    const table = await openTestTables().get('Inventory');
    const store = new InventoryStore(table);
    const reported = (runtimeState: string) =>
      link({
        environment: {
          ...link().environment,
          runtimeState,
          adminUrl: 'https://admin.powerplatform.microsoft.com/environments/environment/e1/hub',
        },
      });
    await store.save(new Map(), new Map([['e1', reported('Disabled')]]));
    const stored = await store.list();
    expect(stored.get('e1')?.link).toEqual(reported('Disabled'));
    expect((await store.save(stored, new Map([['e1', reported('Disabled')]]))).written).toBe(0);
    expect((await store.save(stored, new Map([['e1', reported('Enabled')]]))).written).toBe(1);
  });

  it('rewrites a row for any field it holds, and only then', async () => {
    const table = await openTestTables().get('Inventory');
    const store = new InventoryStore(table);
    const left = { policy: { ...policy, id: `${policy.id}-old`, name: 'old' }, unlinkedAt: '2026-11-19T08:00:00.000Z' };
    const before = link({ previous: left, environment: { ...link().environment, runtimeState: 'Enabled' } });
    const changes: Partial<Link>[] = [
      { environment: { ...before.environment, displayName: 'Sales EU' } },
      { environment: { ...before.environment, linkStatus: null } },
      { environment: { ...before.environment, runtimeState: 'Disabled' } },
      { environment: { ...before.environment, adminUrl: 'https://admin.powerplatform.microsoft.com/e1' } },
      { policyId: null },
      { policy: { ...policy, healthStatus: 'Warning', alertTo: ['keys@contoso.com'] } },
      { policy: null },
      { previous: null },
      { previous: { ...left, unlinkedAt: '2026-11-19T09:00:00.000Z' } },
      { previous: { ...left, policy: { ...left.policy, keyName: 'k2' } } },
      { linkStatusSince: null },
    ];
    // One row per change, each saved once with its change against the row as stored.
    const ids = changes.map((_, i) => `e${i}`);
    await store.save(new Map(), new Map(ids.map((id) => [id, { ...before, environmentId: id }])));
    const stored = await store.list();
    // The same rows, however their objects were made (copies of each policy), are not written again.
    const same = (id: string) => ({
      ...before,
      environmentId: id,
      policy: { ...before.policy! },
      previous: { ...left, policy: { ...left.policy } },
    });
    expect((await store.save(stored, new Map(ids.map((id) => [id, same(id)])))).written).toBe(0);
    const changed = new Map(changes.map((change, i) => [`e${i}`, { ...before, ...change, environmentId: `e${i}` }]));
    expect((await store.save(stored, changed)).written).toBe(changes.length);
  });

  it("keeps the links it read and wrote while no other write changed a row, and reads them again after another's", async () => {
    const table = await openTestTables().get('Inventory');
    const reads: URL[] = [];
    table.pipeline.addPolicy({
      name: 'reads',
      sendRequest: (request, next) => {
        if (request.method === 'GET') reads.push(new URL(request.url));
        return next(request);
      },
    });
    const readBack = () => reads.filter((url) => url.searchParams.get('$select') !== 'RowKey');
    const warm = new InventoryStore(table);
    const other = new InventoryStore(table);
    const e = (id: string, displayName = 'Sales') =>
      link({ environmentId: id, environment: { ...link().environment, displayName } });
    await warm.save(new Map(), new Map(['e1', 'e2', 'e3'].map((id) => [id, e(id)])));
    const read = await warm.list();
    expect(await warm.list()).toBe(read);

    await other.save(await other.list(), new Map([['e2', e('e2', 'Sales EU')]]));
    const afterUpdate = await warm.list();
    expect(afterUpdate).not.toBe(read);
    expect(afterUpdate.get('e2')?.link.environment.displayName).toBe('Sales EU');

    await other.save(await other.list(), new Map([['e3', null]]));
    expect([...(await warm.list()).keys()].sort()).toEqual(['e1', 'e2']);
    await other.save(await other.list(), new Map([['e4', e('e4')]]));
    expect([...(await warm.list()).keys()].sort()).toEqual(['e1', 'e2', 'e4']);

    // Its own writes it keeps with the ETags they were answered with: nothing is read back but keys and ETags.
    const before = await warm.list();
    reads.length = 0;
    await warm.save(
      before,
      new Map([
        ['e1', e('e1', 'Sales US')],
        ['e2', null],
        ['e5', e('e5')],
      ]),
    );
    const afterOwn = await warm.list();
    expect(readBack()).toEqual([]);
    expect(afterOwn.get('e1')?.link.environment.displayName).toBe('Sales US');
    expect([...afterOwn.keys()].sort()).toEqual(['e1', 'e4', 'e5']);
    expect(afterOwn).toEqual(await new InventoryStore(table).list());
  });

  it('reads a row written before link statuses were kept as a link without status', async () => {
    const table = await openTestTables().get('Inventory');
    await table.createEntity({
      partitionKey: 'link',
      rowKey: 'e2',
      environment: JSON.stringify({ displayName: 'Old', location: 'europe', sku: 'Production', managed: true }),
      policyId: policy.id,
      policy: JSON.stringify(policy),
    });
    expect((await new InventoryStore(table).list()).get('e2')?.link).toEqual({
      environmentId: 'e2',
      environment: { displayName: 'Old', location: 'europe', sku: 'Production', managed: true, linkStatus: null },
      policyId: policy.id,
      policy,
      previous: null,
      linkStatusSince: null,
    });
  });
});
