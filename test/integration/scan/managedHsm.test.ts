/**
 * Keys in a Managed HSM, read as in Azure: the HSM through ManagedHsms_Get, its keys through managedHSMs/keys on
 * Resource Manager. Evaluated for expiry and recovery like a vault's, never for access (its local RBAC is not served by
 * ARM), and seen only by the scan: Managed HSM publishes no Event Grid events.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorFunctionAppId } from '../../../sandbox/double/armEventGrid.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { ScanSummary } from '../../../shared/application/scan.js';
import { ArmKeyReader } from '../../../shared/adapters/azure/truth/armKeyReader.js';
import { VaultReader } from '../../../shared/adapters/azure/truth/vaultReader.js';
import { startWorld, type World } from '../../support/world.js';

const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const subscriptionId = '66666666-6666-4666-8666-666666666666';
const principal = guid(1);
const environments = { healthy: guid(11), expiring: guid(12), unprotected: guid(13), refused: guid(14) };
const key = (name: string, expiresInDays: number) => ({
  name,
  kty: 'RSA-HSM',
  size: 2048,
  versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays }],
  rotationPolicy: { expiresAfter: 'P1Y' },
});
const hsm = (name: string, extra: object) => ({
  name,
  type: 'managedHsm',
  resourceGroup: 'rg-hsm',
  softDelete: true,
  ...extra,
});
const hsmId = (name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/rg-hsm/providers/Microsoft.KeyVault/managedHSMs/${name}`;

const scenario = {
  subscriptionId,
  vaults: [
    hsm('hsm-cmk', { purgeProtection: true, keys: [key('pp-key', 300), key('pp-key-soon', 5)] }),
    hsm('hsm-lax', { purgeProtection: false, keys: [key('pp-key', 300)] }),
    // The monitor's identity may read this HSM's keys neither through ARM nor on its data plane.
    hsm('hsm-refused', { purgeProtection: true, monitorAccess: 'forbidden', keys: [key('pp-key', 300)] }),
  ],
  policies: [
    {
      name: 'cmk-hsm',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'hsm-cmk',
      key: 'pp-key',
      principalId: principal,
    },
    {
      name: 'cmk-hsm-soon',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'hsm-cmk',
      key: 'pp-key-soon',
      principalId: principal,
    },
    {
      name: 'cmk-hsm-lax',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'hsm-lax',
      key: 'pp-key',
      principalId: principal,
    },
    {
      name: 'cmk-hsm-refused',
      resourceGroup: 'rg-cmk',
      location: 'europe',
      vault: 'hsm-refused',
      key: 'pp-key',
      principalId: principal,
    },
  ],
  environments: [
    {
      id: environments.healthy,
      displayName: 'On the HSM',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-hsm',
    },
    {
      id: environments.expiring,
      displayName: 'HSM key expiring',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-hsm-soon',
    },
    {
      id: environments.unprotected,
      displayName: 'HSM without purge protection',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-hsm-lax',
    },
    {
      id: environments.refused,
      displayName: 'HSM refusing the monitor',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-hsm-refused',
    },
  ],
};

let world: World;
let summary: ScanSummary;
let byId: Map<string, EnvironmentStatus>;

beforeAll(async () => {
  world = await startWorld(scenario, { functionAppId: monitorFunctionAppId(subscriptionId) });
  summary = await world.services.scan(() => undefined);
  const { statuses } = await world.services.stores();
  byId = new Map([...(await statuses.list())].map(([id, stored]) => [id, stored.value]));
});
afterAll(() => world?.stop());

function readers() {
  const credential = new DefaultAzureCredential();
  const arm = { endpoint: world.double.armEndpoint, tlsOptions: { ca: world.double.ca } };
  return { vaults: new VaultReader(credential, arm), keys: new ArmKeyReader(credential, arm) };
}

const rules = (id: string) => (byId.get(id)?.findings ?? []).map((finding) => finding.rule);

describe('a Managed HSM holding a policy key', () => {
  it('evaluates its keys for expiry and its recovery like a vault, never its access', () => {
    expect(byId.get(environments.healthy)).toMatchObject({ status: 'healthy', findings: [] });
    expect(byId.get(environments.expiring)).toMatchObject({
      status: 'critical',
      findings: [{ rule: 'key-expiring', severity: 'critical' }],
    });
    expect(byId.get(environments.unprotected)).toMatchObject({
      status: 'critical',
      findings: [{ rule: 'vault-recovery-off' }],
    });
    for (const id of Object.values(environments)) expect(rules(id)).not.toContain('access-revoked');
    for (const id of [environments.healthy, environments.expiring, environments.unprotected])
      expect(rules(id)).not.toContain('monitor-blind');
  });

  it('is seen only by the scan: event coverage names every HSM timer-only, and none is called unwired', () => {
    expect(summary.events).toEqual({
      covered: 0,
      vaults: 3,
      notCovered: [],
      unknown: [],
      timerOnly: ['hsm-cmk', 'hsm-lax', 'hsm-refused'],
    });
    for (const id of Object.values(environments)) expect(rules(id)).not.toContain('events-not-wired');
  });

  it('reads the HSM from ManagedHsms_Get, and an HSM that is not there (HTTP 204) as missing', async () => {
    const { vaults } = readers();
    expect(await vaults.read(hsmId('hsm-cmk'))).toEqual({
      kind: 'found',
      value: {
        id: hsmId('hsm-cmk'),
        name: 'hsm-cmk',
        type: 'managedHsm',
        uri: world.double.vaultUris['hsm-cmk'],
        softDelete: true,
        purgeProtection: true,
        rbac: false,
        publicNetworkAccess: 'Enabled',
        networkDefaultAction: 'Allow',
        trustedServicesBypass: true,
        accessPolicies: [],
      },
    });
    world.double.resetRequests();
    expect(await vaults.read(hsmId('hsm-gone'))).toMatchObject({ kind: 'missing' });
    expect(world.double.requests()['arm.getManagedHsm']).toBe(1);
  });

  it("reads the HSM key's versions through managedHSMs/keys", async () => {
    const { vaults, keys } = readers();
    const found = await vaults.read(hsmId('hsm-cmk'));
    if (found.kind !== 'found') throw new Error(JSON.stringify(found));
    const [version] = world.double.state.versionIds('hsm-cmk', 'pp-key');
    world.double.resetRequests();
    expect(await keys.read(found.value, 'pp-key', null)).toMatchObject({
      kind: 'found',
      value: {
        vaultName: 'hsm-cmk',
        name: 'pp-key',
        kty: 'RSA-HSM',
        size: 2048,
        currentVersion: version,
        versions: [{ version, enabled: true }],
        hasRotationPolicy: true,
      },
    });
    expect(await keys.read(found.value, 'pp-key', version ?? '')).toMatchObject({
      kind: 'found',
      value: { currentVersion: version, kty: 'RSA-HSM' },
    });
    const requests = world.double.requests();
    expect(requests['arm.getManagedHsmKey']).toBe(2);
    expect(requests['arm.listManagedHsmKeyVersions']).toBe(2);
    expect(requests['arm.getManagedHsmKeyVersion']).toBe(1);
    expect(requests['arm.getKey']).toBeUndefined();
  });

  it("is blind where the HSM refuses the monitor, naming Resource Manager's refusal", () => {
    const blind = byId.get(environments.refused);
    expect(blind?.status).toBe('unknown');
    expect(rules(environments.refused)).toEqual(['monitor-blind']);
    const message = blind?.findings.find((f) => f.rule === 'monitor-blind')?.message ?? '';
    expect(message).toContain('through Resource Manager');
    expect(message).toContain(
      "does not have authorization to perform action 'Microsoft.KeyVault/managedHSMs/keys/read'",
    );
    expect(message).toContain('(HTTP 403)');
    expect(message).toContain(
      'Not authorized to access Microsoft.KeyVault/managedHsm/keys/read/action on /keys/pp-key',
    );
  });
});
