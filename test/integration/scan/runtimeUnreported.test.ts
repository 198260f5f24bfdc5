/**
 * A linked environment the Power Platform admin API lists without `properties.states.runtime.id`: the monitor cannot
 * tell whether it is still disabled after an outage, and says so in health instead of looking healthy. The double
 * always reports the state (as the admin API's recorded lists do); a pipeline policy on the monitor's own clients
 * takes it out of one environment, through the real inventory path.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from './scenario.js';

const principal = guid(801);
const silent = guid(811);
const reported = guid(812);

/** Removes `properties.states` from the named environment in every admin API environment list. */
const withoutRuntimeState = (environmentId: string): PipelinePolicy => ({
  name: 'testDropRuntimeState',
  sendRequest: async (request, next) => {
    const response = await next(request);
    if (!new URL(request.url).pathname.endsWith('/scopes/admin/environments')) return response;
    const list = JSON.parse(response.bodyAsText ?? '{}') as {
      value?: { name?: string; properties?: Record<string, unknown> }[];
    };
    for (const item of list.value ?? []) if (item.name === environmentId) delete item.properties?.states;
    return { ...response, bodyAsText: JSON.stringify(list) };
  },
});

let world: World;

beforeAll(async () => {
  world = await startWorld(
    {
      subscriptionId: '11111111-1111-4111-8111-111111111111',
      vaults: [healthyVaultOf('kv-state', [principal], [key('k', [version(30, 300)])])],
      policies: [policy('cmk-state', 'kv-state', 'k', principal)],
      environments: [environment(silent, 'Silent', 'cmk-state'), environment(reported, 'Reported', 'cmk-state')],
    },
    {},
    { azurePolicies: [withoutRuntimeState(silent)] },
  );
});
afterAll(() => world.stop());

describe('a linked environment listed without its runtime state', () => {
  it('is evaluated, and health is degraded naming it, not healthy', async () => {
    const run = await world.services.scan(() => undefined);
    expect(run.environments).toBe(2);
    const health = await world.services.views.health();
    expect(health.status).toBe('degraded');
    expect(health.degraded).toEqual([
      expect.objectContaining({
        code: 'not-understood',
        reason: expect.stringContaining(`1 linked environment came without a runtime state`) as unknown,
      }),
    ]);
    expect(health.degraded[0]?.reason).toContain(`environment ${silent}`);
    expect(health.degraded[0]?.reason).not.toContain(reported);
  });
});
