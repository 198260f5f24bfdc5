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
