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
const policyIdOf = (name: string) => policyId.replace(/from-file$/, name);
const day = 86_400_000;

beforeAll(async () => {
  await writeFile(
    file,
    JSON.stringify({
      policies: [
        {
          id: policyId,
          name: 'from-file',
          location: 'Europe',
          vaultId,
          keyName: 'k-expiring',
          principalId: principals.expiring,
        },
      ],
      environments: [
        { id: guid(901), displayName: 'Finance', location: 'europe', sku: 'Production', managed: true, policyId },
        {
          id: guid(902),
          displayName: 'Elsewhere',
          location: 'unitedstates',
          sku: 'Production',
          managed: true,
          policyId,
        },
      ],
    }),
  );
  world = await startWorld(scanScenario(), { inventory: { source: 'file', path: file } });
});
afterAll(() => world?.stop());

describe('scan from an inventory file', () => {
  it('evaluates the environments the file lists against the live chain, without the admin API', async () => {
    world.double.resetRequests();
    const summary = await world.services.scan(() => undefined);
    expect(summary).toMatchObject({ environments: 2, policies: 1 });
    expect(world.double.requests()['powerPlatform.listEnvironments']).toBeUndefined();
    const { statuses } = await world.services.stores();
    expect((await statuses.get(guid(901)))?.value).toMatchObject({
      status: 'warning',
      findings: [{ rule: 'key-expiring' }],
    });
    expect((await statuses.get(guid(902)))?.value.findings.map((f) => f.rule)).toEqual([
      'key-expiring',
      'region-mismatch',
    ]);
  });

  it('rejects a malformed file with the path of the bad field and writes nothing but the failure, for health to tell', async () => {
    await writeFile(
      file,
      JSON.stringify({
        policies: [],
        environments: [{ id: 'x', displayName: 'X', location: 'europe', sku: 'Production', managed: 'yes' }],
      }),
    );
    world.tables.reset();
    await expect(world.services.scan(() => undefined)).rejects.toThrow(/environments\.0\.managed/);
    expect(world.tables.writes).toEqual([
      expect.stringMatching(/^PUT \/devstoreaccount1\/\w*Scans\(PartitionKey='scan',RowKey='failed'\)$/),
    ]);
    expect((await (await world.services.stores()).scans.lastFailure())?.reason).toMatch(
      /^The inventory could not be read: .*environments\.0\.managed/,
    );
  });

  it("evaluates the link status and the policy's health the file reports, and dates a pending link from the scan that first saw it", async () => {
    const [sound, unhealthy] = [policyIdOf('sound'), policyIdOf('unhealthy')];
    const onHealthyKey = { location: 'europe', vaultId, keyName: 'k-healthy', principalId: principals.healthy };
    await writeFile(
      file,
      JSON.stringify({
        policies: [
          { id: sound, name: 'sound', ...onHealthyKey, healthStatus: 'Healthy' },
          { id: unhealthy, name: 'unhealthy', ...onHealthyKey, healthStatus: 'Unhealthy' },
        ],
        environments: [
          {
            id: guid(903),
            displayName: 'Failed',
            location: 'europe',
            sku: 'Production',
            managed: true,
            policyId: sound,
            linkStatus: 'Failed',
          },
          {
            id: guid(904),
            displayName: 'Linking',
            location: 'europe',
            sku: 'Production',
            managed: true,
            policyId: sound,
            linkStatus: 'Linking',
          },
          {
            id: guid(905),
            displayName: 'Down',
            location: 'europe',
            sku: 'Production',
            managed: true,
            policyId: unhealthy,
            linkStatus: 'Linked',
          },
          {
            id: guid(906),
            displayName: 'Sound',
            location: 'europe',
            sku: 'Production',
            managed: true,
            policyId: sound,
          },
        ],
      }),
    );
    const now = new Date();
    const firstSeen = new Date(now.getTime() - 5 * day);
    await world.services.scan(() => undefined, firstSeen);
    const { statuses, links } = await world.services.stores();
    const statusOf = async (n: number) => (await statuses.get(guid(n)))?.value;
    expect(await statusOf(903)).toMatchObject({
      status: 'critical',
      findings: [{ rule: 'link-failed', severity: 'critical' }],
    });
    expect(await statusOf(904)).toMatchObject({
      status: 'healthy',
      findings: [{ rule: 'link-pending', severity: 'info' }],
    });
    expect(await statusOf(905)).toMatchObject({
      status: 'outage',
      findings: [{ rule: 'policy-unhealthy', severity: 'outage' }],
    });
    expect(await statusOf(906)).toMatchObject({ status: 'healthy', findings: [] });
    expect((await links.list()).get(guid(904))?.link).toMatchObject({
      environment: { linkStatus: 'Linking' },
      linkStatusSince: firstSeen.toISOString(),
    });

    await world.services.scan(() => undefined, now);
    expect(await statusOf(904)).toMatchObject({
      status: 'warning',
      findings: [
        { rule: 'link-pending', severity: 'warning', dueAt: new Date(firstSeen.getTime() + 4 * day).toISOString() },
      ],
    });
  });
});
