import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from './scenario.js';

let world: World;

beforeAll(async () => {
  world = await startWorld(scanScenario());
});
afterAll(() => world?.stop());

describe('scan of a tenant it cannot fully see', () => {
  it('reports environments of policies never listed as unknown, never healthy', async () => {
    world.double.fault('arm:enterprisePolicies', { status: 403 });
    const summary = await world.services.scan(() => undefined);
    expect(summary.byStatus).toMatchObject({ healthy: 0, unknown: 11 });
    const { statuses } = await world.services.stores();
    const shared = (await statuses.get(environments.shared[0]!))?.value;
    expect(shared).toMatchObject({ status: 'unknown', findings: [{ rule: 'monitor-blind', severity: 'warning' }] });
    expect(shared?.findings[0]?.message).toMatch(/could not be read.*403/);
  });

  it('evaluates them once the policies can be listed again', async () => {
    world.double.clearFaults();
    const summary = await world.services.scan(() => undefined);
    expect(summary.byStatus).toMatchObject({ healthy: 5, unknown: 1 });
  });
});
