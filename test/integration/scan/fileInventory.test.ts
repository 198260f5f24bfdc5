import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../../support/world.js';
import { guid, principals, scanScenario } from './scenario.js';

let world: World;
const file = join(tmpdir(), `inventory-scan-${process.pid}.json`);
const subscriptionId = scanScenario().subscriptionId;
const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/kv-main`;
const policyId = `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.PowerPlatform/enterprisePolicies/from-file`;

beforeAll(async () => {
  await writeFile(
    file,
    JSON.stringify({
      policies: [{ id: policyId, name: 'from-file', location: 'Europe', vaultId, keyName: 'k-expiring', principalId: principals.expiring }],
      environments: [
        { id: guid(901), displayName: 'Finance', location: 'europe', sku: 'Production', managed: true, policyId },
        { id: guid(902), displayName: 'Elsewhere', location: 'unitedstates', sku: 'Production', managed: true, policyId },
      ],
    }),
  );
  world = await startWorld(scanScenario(), { inventory: { source: 'file', path: file } });
});
afterAll(() => world?.stop());

describe('scan from an inventory file', () => {
  it('judges the environments the file lists against the live chain, without the admin API', async () => {
    world.double.resetRequests();
    const summary = await world.services.scan(() => undefined);
    expect(summary).toMatchObject({ environments: 2, policies: 1 });
    expect(world.double.requests()['powerPlatform.listEnvironments']).toBeUndefined();
    const { statuses } = await world.services.stores();
    expect((await statuses.get(guid(901)))?.value).toMatchObject({ status: 'warning', findings: [{ rule: 'key-expiring' }] });
    expect((await statuses.get(guid(902)))?.value.findings.map((f) => f.rule)).toEqual(['key-expiring', 'region-mismatch']);
  });

  it('rejects a malformed file with the path of the bad field and writes nothing', async () => {
    await writeFile(file, JSON.stringify({ policies: [], environments: [{ id: 'x', displayName: 'X', location: 'europe', sku: 'Production', managed: 'yes' }] }));
    world.tables.reset();
    await expect(world.services.scan(() => undefined)).rejects.toThrow(/environments\.0\.managed/);
    expect(world.tables.writes).toEqual([]);
  });
});
