/**
 * A vault that admits only trusted Microsoft services, as vaults holding customer-managed keys usually do. Power
 * Platform is trusted; the monitor, a Function app, is not: the vault's data plane refuses it (the double enforces
 * the firewall as Key Vault does), Resource Manager does not.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { ArmKeyReader } from '../../../shared/adapters/azure/truth/armKeyReader.js';
import { KeyReader } from '../../../shared/adapters/azure/truth/keyReader.js';
import { VaultReader } from '../../../shared/adapters/azure/truth/vaultReader.js';
import { startWorld, type World } from '../../support/world.js';

const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const principal = guid(1);
const environments = { firewalled: guid(11), refused: guid(12) };
const key = (name: string) => ({
  name,
  kty: 'RSA',
  size: 2048,
  versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 300 }],
  rotationPolicy: { expiresAfter: 'P1Y' },
});
const vault = (name: string, extra: object) => ({
  name,
  resourceGroup: 'rg-cmk',
  softDelete: true,
  purgeProtection: true,
  accessPolicies: [{ objectId: principal, keys: ['get', 'wrapKey', 'unwrapKey'] }],
  ...extra,
});

const scenario = {
  subscriptionId: '44444444-4444-4444-8444-444444444444',
  vaults: [
    vault('kv-firewalled', {
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Deny',
      trustedServicesBypass: true,
      keys: [key('pp-key')],
    }),
    // The monitor's identity may read neither this vault's data plane nor its keys through ARM.
    vault('kv-refused', {
      networkDefaultAction: 'Deny',
      trustedServicesBypass: true,
      monitorAccess: 'forbidden',
      keys: [key('pp-key')],
    }),
  ],
  policies: [
    {
      name: 'cmk-firewalled',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'kv-firewalled',
      key: 'pp-key',
      principalId: principal,
    },
    {
      name: 'cmk-refused',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'kv-refused',
      key: 'pp-key',
      principalId: principal,
    },
  ],
  environments: [
    {
      id: environments.firewalled,
      displayName: 'Behind the firewall',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-firewalled',
    },
    {
      id: environments.refused,
      displayName: 'Refused',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-refused',
    },
  ],
};

let world: World;
let byId: Map<string, EnvironmentStatus>;

beforeAll(async () => {
  world = await startWorld(scenario);
  await world.services.scan(() => undefined);
  const { statuses } = await world.services.stores();
  byId = new Map([...(await statuses.list())].map(([id, stored]) => [id, stored.value]));
});
afterAll(() => world?.stop());

async function readers() {
  const credential = new DefaultAzureCredential();
  const arm = { endpoint: world.double.armEndpoint, tlsOptions: { ca: world.double.ca } };
  const vaultId = `/subscriptions/${scenario.subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/kv-firewalled`;
  const found = await new VaultReader(credential, arm).read(vaultId);
  if (found.kind !== 'found') throw new Error(JSON.stringify(found));
  return {
    vault: found.value,
    dataPlane: new KeyReader(credential, { tlsOptions: { ca: world.double.ca } }),
    arm: new ArmKeyReader(credential, arm),
  };
}

describe('a vault that admits only trusted services', () => {
  it('is evaluated on its real chain: keys are read through Resource Manager, which its firewall does not gate', async () => {
    expect(byId.get(environments.firewalled)).toMatchObject({ status: 'healthy', findings: [] });
    const { vault, arm } = await readers();
    expect(await arm.read(vault, 'pp-key', null)).toMatchObject({
      kind: 'found',
      value: { kty: 'RSA', size: 2048, hasRotationPolicy: true },
    });
  });

  it('is out of sight through the data plane only: the firewall refuses the monitor, as Key Vault would', async () => {
    const { vault, dataPlane } = await readers();
    const read = await dataPlane.read(vault, 'pp-key', null);
    expect(read).toMatchObject({
      kind: 'blind',
      detail: expect.stringContaining(
        'Client address is not authorized and caller is not a trusted service',
      ) as unknown,
    });
  });

  it('names both refusals when neither path will serve the key', () => {
    const blind = byId.get(environments.refused);
    expect(blind?.status).toBe('unknown');
    const message = blind?.findings.find((f) => f.rule === 'monitor-blind')?.message ?? '';
    expect(message).toContain('through Resource Manager');
    expect(message).toContain("does not have authorization to perform action 'Microsoft.KeyVault/vaults/keys/read'");
    expect(message).toContain("through the vault's data plane");
    expect(message).toContain('HTTP 403');
  });
});
