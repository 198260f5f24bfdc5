/**
 * What Microsoft itself reports, read through the double as a scan reads it: the environment's `linkStatus` from
 * the admin API and the enterprise policy's `healthStatus` from ARM. Values Microsoft may add later are kept and read
 * as the safer case (not protected, not healthy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { startWorld, type World } from '../../support/world.js';

const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const principal = guid(1);
const envs = {
  linked: guid(11),
  failed: guid(12),
  linking: guid(13),
  unknownLink: guid(14),
  unhealthy: guid(15),
  warning: guid(16),
};

const policy = (name: string, healthStatus?: string) => ({
  name,
  resourceGroup: 'rg-cmk',
  location: 'europe',
  vault: 'kv-eu',
  key: 'pp-key',
  principalId: principal,
  ...(healthStatus && { healthStatus }),
});
const environment = (id: string, policyName: string, linkStatus?: string) => ({
  id,
  displayName: `env ${id.slice(-2)}`,
  location: 'europe',
  sku: 'Production',
  managed: true,
  policy: policyName,
  ...(linkStatus && { linkStatus }),
});

const scenario = {
  subscriptionId: '33333333-3333-4333-8333-333333333333',
  vaults: [
    {
      name: 'kv-eu',
      resourceGroup: 'rg-cmk',
      softDelete: true,
      purgeProtection: true,
      accessPolicies: [{ objectId: principal, keys: ['get', 'wrapKey', 'unwrapKey'] }],
      keys: [
        {
          name: 'pp-key',
          kty: 'RSA',
          size: 2048,
          versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 300 }],
        },
      ],
    },
  ],
  policies: [policy('cmk-healthy'), policy('cmk-unhealthy', 'Unhealthy'), policy('cmk-warning', 'Warning')],
  environments: [
    environment(envs.linked, 'cmk-healthy'),
    environment(envs.failed, 'cmk-healthy', 'Failed'),
    environment(envs.linking, 'cmk-healthy', 'Linking'),
    environment(envs.unknownLink, 'cmk-healthy', 'Reconciling'),
    environment(envs.unhealthy, 'cmk-unhealthy'),
    environment(envs.warning, 'cmk-warning'),
  ],
};

let world: World;
let byId: Map<string, EnvironmentStatus>;
const finding = (id: string, rule: string) => byId.get(id)?.findings.find((candidate) => candidate.rule === rule);

beforeAll(async () => {
  world = await startWorld(scenario);
  await world.services.scan(() => undefined);
  const { statuses } = await world.services.stores();
  byId = new Map([...(await statuses.list())].map(([id, stored]) => [id, stored.value]));
});
afterAll(() => world?.stop());

describe('the link status the admin API reports', () => {
  it('leaves a Linked environment on a sound chain healthy', () => {
    expect(byId.get(envs.linked)?.status).toBe('healthy');
    expect(byId.get(envs.linked)?.findings.map((f) => f.rule)).not.toContain('link-failed');
  });

  it('makes a Failed link critical: the key does not protect that environment', () => {
    expect(byId.get(envs.failed)?.status).toBe('critical');
    expect(finding(envs.failed, 'link-failed')).toMatchObject({ severity: 'critical' });
  });

  it('reports a link still being applied as pending', () => {
    expect(finding(envs.linking, 'link-pending')).toMatchObject({ severity: 'info' });
  });

  it('reads a status it does not know as not protected, naming it', () => {
    expect(finding(envs.unknownLink, 'link-failed')).toMatchObject({
      severity: 'critical',
      message: expect.stringContaining('Reconciling') as unknown,
    });
  });
});

describe('the health Microsoft reports for a policy', () => {
  it('puts the environments of an Unhealthy policy in an outage', () => {
    expect(byId.get(envs.unhealthy)?.status).toBe('outage');
    expect(finding(envs.unhealthy, 'policy-unhealthy')).toMatchObject({ severity: 'outage' });
  });

  it('warns for a policy in Warning', () => {
    expect(byId.get(envs.warning)?.status).toBe('warning');
    expect(finding(envs.warning, 'policy-unhealthy')).toMatchObject({ severity: 'warning' });
  });
});
