import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileInventory, InventoryFileError } from '../../../shared/adapters/azure/inventory/fileInventory.js';
import { withField } from '../../support/edit.js';

const POLICY_ID =
  '/subscriptions/8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00/resourcegroups/rg-powerplatform/providers/microsoft.powerplatform/enterprisepolicies/ep-cmk-europe';
const VAULT_ID =
  '/subscriptions/8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-cmk';

function inventoryFile() {
  return {
    policies: [
      {
        id: POLICY_ID,
        name: 'ep-cmk-europe',
        location: 'Europe',
        vaultId: VAULT_ID,
        keyName: 'cmk-dataverse',
        principalId: 'D4E5F6A7-1B2C-4D3E-9F40-A1B2C3D4E5F6',
      },
    ],
    environments: [
      {
        id: '0B7E4D2C-9A1F-4C3E-8B6D-5F2A1E0C9D8B',
        displayName: 'Finance',
        location: 'Europe',
        sku: 'Production',
        managed: true,
        policyId: POLICY_ID,
      },
      {
        id: '5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6',
        displayName: 'Sandbox',
        location: 'europe',
        sku: 'Sandbox',
        managed: false,
      },
    ],
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cmk-inventory-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(content: unknown): Promise<string> {
  const path = join(dir, 'inventory.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content), 'utf8');
  return path;
}

describe('FileInventory', () => {
  it('reads policies and environments, lowercasing ids, locations and principals', async () => {
    const inventory = await new FileInventory(await fileWith(inventoryFile())).load();
    expect(inventory).toEqual({
      policies: [
        {
          id: POLICY_ID,
          name: 'ep-cmk-europe',
          location: 'europe',
          vaultId: VAULT_ID,
          keyName: 'cmk-dataverse',
          keyVersion: null,
          principalId: 'd4e5f6a7-1b2c-4d3e-9f40-a1b2c3d4e5f6',
        },
      ],
      environments: [
        {
          id: '0b7e4d2c-9a1f-4c3e-8b6d-5f2a1e0c9d8b',
          displayName: 'Finance',
          location: 'europe',
          sku: 'Production',
          managed: true,
          policyId: POLICY_ID,
          linkStatus: null,
        },
        {
          id: '5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6',
          displayName: 'Sandbox',
          location: 'europe',
          sku: 'Sandbox',
          managed: false,
          policyId: null,
          linkStatus: null,
        },
      ],
      unreadable: [],
      skipped: [],
    });
  });

  it('reads a file saved with a UTF-8 byte-order mark', async () => {
    const path = await fileWith(`\uFEFF${JSON.stringify(inventoryFile())}`);
    expect((await new FileInventory(path).load()).environments).toHaveLength(2);
  });

  it('keeps a pinned key version', async () => {
    const path = await fileWith(
      withField(inventoryFile(), 'policies.0.keyVersion', '6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a'),
    );
    expect((await new FileInventory(path).load()).policies[0]?.keyVersion).toBe('6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a');
  });

  it('keeps the link status and health status the file reports', async () => {
    const withStatuses = withField(
      withField(inventoryFile(), 'environments.0.linkStatus', 'Failed'),
      'policies.0.healthStatus',
      'Unhealthy',
    );
    const inventory = await new FileInventory(await fileWith(withStatuses)).load();
    expect(inventory.environments[0]).toMatchObject({ policyId: POLICY_ID, linkStatus: 'Failed' });
    expect(inventory.policies[0]?.healthStatus).toBe('Unhealthy');
  });

  it('reads an environment whose link is Unlinked as not linked', async () => {
    const path = await fileWith(withField(inventoryFile(), 'environments.0.linkStatus', 'Unlinked'));
    expect((await new FileInventory(path).load()).environments[0]).toMatchObject({ policyId: null, linkStatus: null });
  });

  it('rejects a file that is not JSON, naming the file', async () => {
    const path = await fileWith('{ "policies": [');
    const read = new FileInventory(path).load();
    await expect(read).rejects.toBeInstanceOf(InventoryFileError);
    await expect(read).rejects.toThrow(path);
  });

  it.each([
    ['environments.1.managed', 'no'],
    ['policies.0.principalId', 'ep-cmk-europe-identity'],
    ['environments.0.linkStatus', 5],
    ['policies.0.healthStatus', ''],
  ])('rejects an invalid %s, naming the file and the field', async (field, value) => {
    const path = await fileWith(withField(inventoryFile(), field, value));
    const read = new FileInventory(path).load();
    await expect(read).rejects.toBeInstanceOf(InventoryFileError);
    await expect(read).rejects.toThrow(path);
    await expect(read).rejects.toThrow(`${field}: `);
  });

  it('rejects a missing file', async () => {
    const read = new FileInventory(join(dir, 'absent.json')).load();
    await expect(read).rejects.toBeInstanceOf(InventoryFileError);
    await expect(read).rejects.toThrow(join(dir, 'absent.json'));
  });
});
