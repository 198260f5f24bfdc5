/** Whether each vault's events reach the monitor, read by the scan from Event Grid with Reader. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorFunctionAppId } from '../../../sandbox/double/armEventGrid.js';
import { readHealth } from '../../../shared/application/views/statusQueries.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { ScanSummary } from '../../../shared/application/scan.js';
import { startWorld, type World } from '../../support/world.js';

const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const subscriptionId = '55555555-5555-4555-8555-555555555555';
const principal = guid(1);
const key = {
  name: 'pp-key',
  kty: 'RSA',
  size: 2048,
  versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 300 }],
  rotationPolicy: { expiresAfter: 'P1Y' },
};
const vault = (name: string, extra: object = {}) => ({
  name,
  resourceGroup: 'rg-cmk',
  softDelete: true,
  purgeProtection: true,
  accessPolicies: [{ objectId: principal, keys: ['get', 'wrapKey', 'unwrapKey'] }],
  keys: [key],
  ...extra,
});
const names = ['kv-wired', 'kv-elsewhere', 'kv-bare'];

const scenario = {
  subscriptionId,
  vaults: [
    vault('kv-wired', {
      systemTopic: 'kv-wired-events',
      eventSubscriptions: ['siem-export', { name: 'cmk-monitor', function: 'keyVaultEvents' }],
    }),
    // A topic whose subscriptions deliver elsewhere: the monitor's other function, and one whose destination is not modelled.
    vault('kv-elsewhere', {
      systemTopic: 'kv-elsewhere-events',
      eventSubscriptions: ['siem-export', { name: 'cmk-monitor', function: 'resourceEvents' }],
    }),
    vault('kv-bare'),
  ],
  policies: names.map((name) => ({
    name: `cmk-${name}`,
    resourceGroup: 'rg-cmk',
    location: 'europe',
    vault: name,
    key: 'pp-key',
    principalId: principal,
  })),
  environments: names.map((name, i) => ({
    id: guid(10 + i),
    displayName: name,
    location: 'europe',
    sku: 'Production',
    managed: true,
    policy: `cmk-${name}`,
  })),
};

let world: World;
let summary: ScanSummary;

beforeAll(async () => {
  world = await startWorld(scenario, { functionAppId: monitorFunctionAppId(subscriptionId) });
  world.double.resetRequests();
  summary = await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

async function byName(): Promise<Map<string, EnvironmentStatus>> {
  const { statuses } = await world.services.stores();
  return new Map([...(await statuses.list()).values()].map(({ value }) => [value.displayName, value]));
}

describe('event coverage per vault', () => {
  it("counts a vault covered only when a subscription of its topic delivers to this monitor's keyVaultEvents", async () => {
    expect(summary.events).toEqual({
      covered: 1,
      vaults: 3,
      notCovered: ['kv-bare', 'kv-elsewhere'],
      unknown: [],
      timerOnly: [],
    });
    const seen = await byName();
    expect(seen.get('kv-wired')).toMatchObject({ status: 'healthy', findings: [] });
    for (const name of ['kv-elsewhere', 'kv-bare']) {
      expect(seen.get(name)).toMatchObject({
        status: 'healthy',
        findings: [{ rule: 'events-not-wired', severity: 'info' }],
      });
    }
  });

  it('reads one list of topics per vault subscription and one list of event subscriptions per vault topic', () => {
    const requests = world.double.requests();
    expect(requests['arm.listSystemTopics']).toBe(1);
    expect(requests['arm.listEventSubscriptions']).toBe(2);
  });

  it("keeps an unwired vault's finding when an event re-evaluates its environments between scans", async () => {
    const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/kv-bare`;
    const outcome = await world.services.reevaluate({ kind: 'vault', vaultId }, 'test');
    expect(outcome.environments).toBe(1);
    expect((await byName()).get('kv-bare')).toMatchObject({
      status: 'healthy',
      findings: [{ rule: 'events-not-wired', severity: 'info' }],
    });
  });

  it('gives no finding, and says so in health, when the topics cannot be read', async () => {
    world.double.fault('arm:systemTopics', { status: 403 });
    try {
      const unread = await world.services.scan(() => undefined);
      expect(unread.events).toEqual({
        covered: 0,
        vaults: 3,
        notCovered: [],
        unknown: ['kv-bare', 'kv-elsewhere', 'kv-wired'],
        timerOnly: [],
      });
      for (const status of (await byName()).values())
        expect(status.findings.map((f) => f.rule)).not.toContain('events-not-wired');
      expect((await readHealth(await world.services.stores(), 3_600_000)).events?.text).toBe(
        'events: 0 of 3 vaults; kv-bare, kv-elsewhere, kv-wired not known (its Event Grid topics could not be read)',
      );
    } finally {
      world.double.clearFaults();
    }
  });
});
