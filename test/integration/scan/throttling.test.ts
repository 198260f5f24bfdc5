import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary } from '../../../shared/application/scan.js';
import { startWorld, type World } from '../../support/world.js';
import { scanScenario } from './scenario.js';

let world: World;
let calm: ScanSummary;

beforeAll(async () => {
  world = await startWorld(scanScenario());
  calm = await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

describe('scan under throttling', () => {
  it('waits out 429s (Retry-After) and 503s beyond the client default of three retries, evaluates as when calm, and counts them', async () => {
    // Four throttled answers in a row for vault kv-main from ARM, and three 503s from the admin API's list.
    world.double.fault('arm:vault:kv-main', { status: 429, times: 4 });
    world.double.fault('powerPlatform', { status: 503, times: 3 });
    const summary = await world.services.scan(() => undefined);
    expect(summary.byStatus).toEqual(calm.byStatus);
    expect(summary.failed).toBe(0);
    expect(summary.throttled).toBe(7);
    expect(calm.throttled).toBe(0);
  }, 60_000);
});
