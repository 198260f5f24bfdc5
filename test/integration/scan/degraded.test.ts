/**
 * A tenant the monitor cannot see must never look healthy: links the admin API leaves out, an admin API that refuses
 * the monitor. Statuses already known are kept, health and the dashboard say `degraded` with the reason, and the
 * monitor's own admins hear it once when it starts and once when it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDashboard } from '../../../shared/application/views/dashboard.js';
import { readHealth } from '../../../shared/application/views/statusQueries.js';
import { startWorld, type World } from '../../support/world.js';
import { scanScenario } from './scenario.js';

let world: World;

beforeAll(async () => {
  world = await startWorld(scanScenario(), {
    alerts: { ...defaultAlerts(), monitorAdmins: ['cmk-monitor-owners@contoso.com'] },
  });
});
afterAll(() => world?.stop());

function defaultAlerts() {
  return {
    channels: [{ name: 'email', settings: { minSeverity: 'info' as const } }],
    mail: { kind: 'none' as const },
    from: null,
    keyvaultAdmins: [],
    powerplatformAdmins: [],
    monitorAdmins: [],
    thresholdsDays: [30, 14, 7, 3, 1],
    dashboardUrl: null,
  };
}

async function snapshot() {
  const stores = await world.services.stores();
  const statuses = [...(await stores.statuses.list()).values()].map(({ value }) => [
    value.environmentId,
    value.status,
    value.findings.map((f) => f.rule),
  ]);
  const links = (await stores.links.list()).size;
  return { statuses: statuses.sort(), links };
}

async function sightAlerts() {
  const stores = await world.services.stores();
  return (await stores.alerts.list(100)).map(({ alert }) => alert).filter((alert) => alert.incidentId === 'sight');
}

describe('a tenant the monitor cannot see', () => {
  it('keeps every known status when the admin API lists environments without their links, and says why', async () => {
    await world.services.scanThenAlert(() => undefined);
    const before = await snapshot();
    expect(before.statuses.length).toBeGreaterThan(0);

    world.double.state.omitted.add('environment.properties.enterprisePolicies');
    const summary = await world.services.scanThenAlert(() => undefined);

    expect(summary.blindSpots.map((spot) => spot.code)).toContain('links-not-seen');
    expect(summary.blindSpots.find((spot) => spot.code === 'links-not-seen')?.reason).toMatch(
      /^ARM lists 6 encryption policies, but none of the \d+ environments .* links to any \(properties\.enterprisePolicies\.customerManagedKeys absent\)/,
    );
    expect(await snapshot()).toEqual(before);

    const stores = await world.services.stores();
    const health = await readHealth(stores);
    expect(health.status).toBe('degraded');
    expect(health.degraded.map((spot) => spot.code)).toContain('links-not-seen');
    expect(
      (await readDashboard(stores, { scanIntervalMs: null, thresholdsDays: [] })).degraded.map((spot) => spot.code),
    ).toContain('links-not-seen');

    // The scenario's vault the monitor may not read made it degraded at the first scan; hidden links are news.
    const alerts = await sightAlerts();
    expect(alerts.map((alert) => alert.alertId).sort()).toEqual(['sight|1|opened', 'sight|2|opened']);
    const opened = alerts.find((alert) => alert.alertId === 'sight|2|opened');
    expect(opened).toMatchObject({ recipients: ['cmk-monitor-owners@contoso.com'], severity: 'critical' });
    expect(opened?.subject).toMatch(
      /^\[CMK monitor degraded\] cannot see part of the tenant: links-not-seen: ARM lists 6/,
    );
  });

  it('tells the admins once however many scans stay blind', async () => {
    await world.services.scanThenAlert(() => undefined);
    expect((await sightAlerts()).map((alert) => alert.alertId).sort()).toEqual(['sight|1|opened', 'sight|2|opened']);
  });

  it('keeps the statuses and names the refusal when the admin API refuses the monitor', async () => {
    world.double.state.omitted.clear();
    const before = await snapshot();
    world.double.fault('powerPlatform', { status: 403 });
    await expect(world.services.scanThenAlert(() => undefined)).rejects.toMatchObject({ statusCode: 403 });
    world.double.clearFaults();

    expect(await snapshot()).toEqual(before);
    const health = await readHealth(await world.services.stores());
    expect(health.status).toBe('degraded');
    expect(health.degraded[0]).toMatchObject({ code: 'scan-failed' });
    expect(health.degraded[0]?.reason).toMatch(
      /answered 403: Forbidden: The caller is not registered as a Power Platform management application/,
    );
    expect((await sightAlerts()).map((alert) => alert.alertId)).toContain('sight|3|opened');
  });

  it('sees the links again once the admin API shows them, and tells the admins only when nothing is left unseen', async () => {
    const summary = await world.services.scanThenAlert(() => undefined);
    expect(summary.blindSpots.map((spot) => spot.code)).not.toContain('links-not-seen');
    const health = await readHealth(await world.services.stores());
    expect(health.degraded.map((spot) => spot.code)).toEqual(summary.blindSpots.map((spot) => spot.code));
    // The scenario keeps one vault the monitor may not read: still degraded, so no resolved message yet.
    expect(health.degraded.map((spot) => spot.code)).toEqual(['chains-unreadable']);
    expect((await sightAlerts()).map((alert) => alert.alertId).sort()).toEqual([
      'sight|1|opened',
      'sight|2|opened',
      'sight|3|opened',
    ]);
  });
});
