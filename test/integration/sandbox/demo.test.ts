/**
 * The demo scenario (`npm start`) is the first thing an administrator sees: it must show every status and every
 * rule, one clear problem per chain. A change to the rules or to the scenario that breaks that story fails here.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { statuses as everyStatus, type RuleId, type Status } from '../../../shared/domain/model.js';
import { ruleIds } from '../../../shared/domain/rules/index.js';
import type { ScanSummary } from '../../../shared/application/scan.js';
import { monitorFunctionAppId } from '../../../sandbox/double/armEventGrid.js';
import { startWorld, type World } from '../../support/world.js';
import { InvocationContext } from '@azure/functions';
import { createAuditHandler } from '../../../functions/auditEvents.js';
import type { AuditRecord } from '../../../sandbox/double/auditLog.js';

interface DemoEnvironment {
  id: string;
  displayName: string;
  policy: string | null;
  previousPolicy?: string;
}

/** Each environment's intended status and rules (in the order the evaluation sorts them), by display name. */
const story: Record<string, [Status, RuleId[]]> = {
  // cmk-europe-prod: pp-key (RSA-HSM 3072) rotated 3 days ago, previous version still enabled.
  'Sales (prod)': ['healthy', []],
  'Customer Service (prod)': ['healthy', []],
  'Sales (UAT)': ['healthy', []],
  'Marketing UK (prod)': ['warning', ['region-mismatch']],
  'Project Phoenix (Teams)': ['warning', ['environment-not-eligible']],
  'Partner Onboarding (trial)': ['warning', ['environment-not-eligible']],
  'Legacy Intranet (prod)': ['warning', ['environment-not-eligible']],
  // cmk-europe-hr: access-policy vault, key without expiry or rotation policy.
  'HR (prod)': ['healthy', ['key-no-expiry']],
  'HR Sandbox': ['healthy', ['key-no-expiry']],
  // Its link is still being applied (Linking): evaluated on the chain, and pending.
  'HR Onboarding (prod)': ['healthy', ['key-no-expiry', 'link-pending']],
  // cmk-us-prod: expires in 5 days, three production environments behind it.
  'Sales US (prod)': ['critical', ['key-expiring']],
  'Operations US (prod)': ['critical', ['key-expiring']],
  'Supply Chain US (prod)': ['critical', ['key-expiring']],
  // cmk-us-dev: expires in 21 days.
  'App Dev US (developer)': ['warning', ['key-expiring']],
  'Claims Canada (prod)': ['critical', ['key-type-unsupported']],
  // Microsoft could not apply the policy (Failed): the key does not protect it.
  'Claims Canada (sandbox)': ['critical', ['link-failed']],
  'Payroll UK (prod)': ['outage', ['key-access-failing', 'key-expired']],
  // Moved off cmk-uk-prod 3 days ago (seeded as an earlier scan saw it): restores still need the expired key.
  'Retail UK (prod)': ['critical', ['unlinked-chain-broken']],
  'Ventes France (prod)': ['outage', ['key-access-failing', 'key-disabled']],
  'Logistik Deutschland (prod)': ['outage', ['key-access-failing', 'key-not-yet-valid']],
  // Microsoft has seen the revocation too: it reports cmk-asia-prod Unhealthy.
  'Service Hub Asia (prod)': ['outage', ['key-access-failing', 'access-revoked', 'policy-unhealthy']],
  'R&D Japan (prod)': ['critical', ['previous-version-disabled-early']],
  'Private Banking CH (prod)': ['outage', ['key-access-failing', 'vault-network-blocked']],
  // No Event Grid subscription carries kv-contoso-cmk-au's events: the hourly scan alone sees its changes.
  'Field Ops Australia (prod)': ['critical', ['vault-recovery-off', 'events-not-wired']],
  'Contact Center India (prod)': ['unknown', ['monitor-blind']],
  // cmk-brazil-prod: its key was deleted yesterday.
  'Finanças Brasil (prod)': ['outage', ['key-access-failing', 'key-missing']],
  // cmk-norway-prod: its key reads usable again, but Power Platform keeps the environment it shut down Disabled
  // until an admin re-enables it.
  'Energi Norge (prod)': ['outage', ['environment-still-disabled']],
};

const scenarioFile = new URL('../../../sandbox/scenarios/demo.json', import.meta.url);

let world: World;
let summary: ScanSummary;
let environments: DemoEnvironment[];

beforeAll(async () => {
  const scenario = JSON.parse(await readFile(scenarioFile, 'utf8')) as {
    subscriptionId: string;
    environments: DemoEnvironment[];
  };
  environments = scenario.environments;
  world = await startWorld(scenario, { functionAppId: monitorFunctionAppId(scenario.subscriptionId) });
  // As in the sandbox: a first scan, then Power Platform's calls on every policy's key reach the monitor through
  // Key Vault's audit records (refused ones too), and the next scan tells the story.
  await world.services.scan(() => undefined);
  const records: AuditRecord[] = [];
  const stopListening = world.double.auditLog.onRecord((record) => records.push(record));
  world.double.callPolicyKeys();
  stopListening();
  await createAuditHandler(() => world.services)(
    [{ records }],
    new InvocationContext({ functionName: 'keyVaultAuditEvents' }),
  );
  summary = await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

async function byName(): Promise<Map<string, EnvironmentStatus>> {
  const { statuses } = await world.services.stores();
  return new Map([...(await statuses.list()).values()].map(({ value }) => [value.displayName, value]));
}
const rulesOf = (status: EnvironmentStatus | undefined) => status?.findings.map((f) => f.rule);
const idOf = (displayName: string) => {
  const environment = environments.find((e) => e.displayName === displayName);
  if (!environment) throw new Error(`No environment '${displayName}' in the demo scenario`);
  return environment.id;
};

describe('the demo scenario', () => {
  it('tells every linked environment its intended story, and leaves the unlinked one alone', async () => {
    const seen = await byName();
    const linked = environments.filter((e) => e.policy !== null || e.previousPolicy).map((e) => e.displayName);
    expect(linked.sort()).toEqual(Object.keys(story).sort());
    expect(environments.length).toBeGreaterThanOrEqual(15);
    expect(environments.length).toBeLessThanOrEqual(30);

    const actual = Object.fromEntries([...seen].map(([name, status]) => [name, [status.status, rulesOf(status)]]));
    expect(actual).toEqual(story);
    expect(seen.has('Contoso (default)')).toBe(false);
  });

  it('shows every status', () => {
    expect(summary).toMatchObject({
      environments: 27,
      byStatus: { healthy: 6, warning: 5, critical: 8, outage: 7, unknown: 1 },
      policies: 15,
      vaults: 8,
      keys: 15,
      skipped: 0,
      failed: 0,
      events: { covered: 7, vaults: 8, notCovered: ['kv-contoso-cmk-au'], unknown: [], timerOnly: [] },
    });
    for (const status of everyStatus) expect(summary.byStatus[status], status).toBeGreaterThan(0);
  });

  it('shows every rule, at the severity the story needs', async () => {
    const findings = [...(await byName()).values()].flatMap((status) => status.findings);
    const shown = new Set(findings.map((f) => f.rule));
    expect([...shown].sort()).toEqual([...ruleIds].sort());

    const seen = await byName();
    expect(seen.get('Sales US (prod)')?.findings[0]).toMatchObject({ rule: 'key-expiring', severity: 'critical' });
    expect(seen.get('App Dev US (developer)')?.findings[0]).toMatchObject({
      rule: 'key-expiring',
      severity: 'warning',
    });
    expect(seen.get('HR (prod)')?.findings[0]?.message).toMatch(/no rotation policy/);
    expect(seen.get('Service Hub Asia (prod)')?.findings.find((f) => f.rule === 'access-revoked')?.message).toMatch(
      /unwrap\/action/,
    );
    expect(seen.get('Service Hub Asia (prod)')?.findings[0]?.message).toMatch(
      /Key(Get|Wrap|Unwrap) answered 403 at .*Power Platform cannot use the key/,
    );
    expect(seen.get('Contact Center India (prod)')?.findings[0]?.message).toMatch(/403/);
    expect(seen.get('Energi Norge (prod)')?.findings[0]?.message).toContain(
      `re-enables it in the Power Platform admin center (https://admin.powerplatform.microsoft.com/environments/environment/${idOf('Energi Norge (prod)')}/hub)`,
    );
  });

  it('shows the blast radius of a shared key', async () => {
    const seen = [...(await byName()).values()];
    const behind = (key: string) => seen.filter((status) => status.key === key);
    expect(behind('pp-key')).toHaveLength(7);
    expect(
      behind('pp-key').every(
        (status) => status.vault === 'kv-contoso-cmk-eu' && status.policyName === 'cmk-europe-prod',
      ),
    ).toBe(true);

    const usProd = behind('pp-key-us-prod');
    expect(usProd.map((status) => status.displayName).sort()).toEqual([
      'Operations US (prod)',
      'Sales US (prod)',
      'Supply Chain US (prod)',
    ]);
    const outageAt = usProd[0]?.outageAt;
    expect(Date.parse(outageAt ?? '') - Date.now()).toBeGreaterThan(4 * 86_400_000);
    expect(usProd.every((status) => status.outageAt === outageAt)).toBe(true);
  });

  it('names the chain an unlinked environment left, so its incident and the dashboard point at the old key', async () => {
    const retail = (await byName()).get('Retail UK (prod)');
    expect(retail).toMatchObject({ policyId: null, policyName: null, vault: 'kv-contoso-cmk-uk', key: 'pp-key-uk' });
  });

  it('alerts each problem once: every outage and critical finding, the expiring keys and the blind vault', async () => {
    const first = await world.services.alert(() => undefined);
    const { alerts } = await world.services.stores();
    const rules = (await alerts.list()).map(({ alert }) => `${alert.rule} ${alert.environmentCount}`).sort();
    // Power Platform's refused calls confirm six of the outages: each alerts as its own incident, at once.
    expect(rules).toEqual([
      'access-revoked 1',
      'environment-still-disabled 1',
      ...Array<string>(6).fill('key-access-failing 1'),
      'key-disabled 1',
      'key-expired 1',
      'key-expiring 1',
      'key-expiring 3',
      'key-missing 1',
      'key-not-yet-valid 1',
      'key-type-unsupported 1',
      'link-failed 1',
      'monitor-blind 1',
      'policy-unhealthy 1',
      'previous-version-disabled-early 1',
      'unlinked-chain-broken 1',
      'vault-network-blocked 1',
      'vault-recovery-off 1',
    ]);
    // The audit batch already decided the alerts of the chains it re-evaluated (14); the first run queues the rest.
    expect(first.queued).toBe(8);
    await world.services.scan(() => undefined);
    expect((await world.services.alert(() => undefined)).queued).toBe(0);
  });

  it('clears the environment still disabled, and resolves its incident, once Power Platform reports it enabled', async () => {
    world.double.state.setEnvironmentRuntimeState(idOf('Energi Norge (prod)'), 'Enabled');
    await world.services.scan(() => undefined);
    expect((await byName()).get('Energi Norge (prod)')).toMatchObject({
      status: 'healthy',
      findings: [],
      lockedSince: null,
      deletionAt: null,
    });

    await world.services.alert(() => undefined);
    const { alerts } = await world.services.stores();
    const decided = (await alerts.list())
      .filter(({ alert }) => alert.rule === 'environment-still-disabled')
      .map(({ alert }) => alert.kind);
    expect(decided.sort()).toEqual(['opened', 'resolved']);
  });

  it('evaluates the chain an administrator breaks after start-up', async () => {
    world.double.state.deleteKey('kv-contoso-cmk-eu', 'pp-key-france');
    world.double.state.setEnvironmentPolicy(idOf('Sales (UAT)'), null);
    await world.services.scan(() => undefined);

    const seen = await byName();
    // Power Platform's calls were refused minutes ago (the key was disabled): that stays until they have been quiet.
    expect([seen.get('Ventes France (prod)')?.status, rulesOf(seen.get('Ventes France (prod)'))]).toEqual([
      'outage',
      ['key-access-failing', 'key-missing'],
    ]);
    // Sales (UAT) left a healthy chain: still watched for 30 days, in case its old key is removed.
    expect(seen.get('Sales (UAT)')).toMatchObject({ status: 'healthy', policyId: null, findings: [] });
  });
});
