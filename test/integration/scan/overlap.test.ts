import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { performance } from 'node:perf_hooks';
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AzureRestReader } from '../../../shared/adapters/azure/inventory/azureRest.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from './scenario.js';

/** When each request went out and came back, in the order they went out. */
class Timeline {
  readonly requests: { url: string; sent: number; answered: number }[] = [];
  readonly policy: PipelinePolicy = {
    name: 'timeline',
    sendRequest: async (request, next) => {
      const entry = { url: request.url, sent: performance.now(), answered: Number.NaN };
      this.requests.push(entry);
      try {
        return await next(request);
      } finally {
        entry.answered = performance.now();
      }
    },
  };

  of(pattern: RegExp) {
    return this.requests.filter((request) => pattern.test(request.url));
  }
}

const environmentPages = /\/scopes\/admin\/environments/;
const chainReads = /\/vaults\/|\/roleAssignments/i;

let world: World;
/** Both worlds' doubles date their keys from this, so their evaluations can be compared. */
const now = new Date();
const azure = new Timeline();
const tables = new Timeline();

beforeAll(async () => {
  // Two environments a page, 20 ms a request: the list takes several round trips, long enough to overlap.
  world = await startWorld(
    scanScenario(),
    {},
    { double: { pageSize: 2, latencyMs: 20, now }, azurePolicies: [azure.policy], tablePolicies: [tables.policy] },
  );
  await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

describe('scan while the environment list pages in', () => {
  it('reads chains and stored state before the last page has arrived', async () => {
    azure.requests.length = 0;
    tables.requests.length = 0;
    const summary = await world.services.scan(() => undefined);
    expect(summary.environments).toBe(11);

    const pages = azure.of(environmentPages);
    expect(pages.length).toBeGreaterThanOrEqual(6);
    const lastPage = pages.at(-1)?.sent ?? 0;
    expect(azure.of(chainReads)[0]?.sent).toBeLessThan(lastPage);
    expect(tables.of(/Status|Inventory|Keys/)[0]?.sent).toBeLessThan(pages[0]?.answered ?? 0);
  });

  it('evaluates page by page exactly as it would evaluate the whole list at once', async () => {
    const whole = await startWorld(scanScenario(), {}, { double: { now } });
    try {
      await whole.services.scan(() => undefined);
      const statuses = async (w: World) =>
        [...(await (await w.services.stores()).statuses.list()).values()]
          // What depends on when each world scanned is compared by whether it is set.
          .map(
            ({ value: { observedAt: _observedAt, since: _since, lockedSince, deletionAt, outageAt, ...status } }) => ({
              ...status,
              locked: !!lockedSince,
              deletion: !!deletionAt,
              outage: !!outageAt,
            }),
          )
          .sort((a, b) => a.environmentId.localeCompare(b.environmentId));
      expect(await statuses(world)).toEqual(await statuses(whole));
    } finally {
      await whole.stop();
    }
  });

  it('reads a policy an environment left as it is listed now, whichever page comes first', async () => {
    const moving = await startWorld(scanScenario(), {}, { double: { pageSize: 2, now } });
    try {
      await moving.services.scan(() => undefined);
      // Shared 0 (first page) leaves cmk-healthy, which then points at another key; Shared 4 (third page) stays on it.
      const [leaving = '', , , , staying = ''] = environments.shared;
      moving.double.state.setEnvironmentPolicy(leaving, 'cmk-expiring');
      Object.assign(moving.double.state.policy('cmk-healthy') ?? {}, { keyName: 'k-expiring' });
      await moving.services.scan(() => undefined);
      const statuses = (await moving.services.stores()).statuses;
      expect((await statuses.get(staying))?.value).toMatchObject({ key: 'k-expiring', status: 'warning' });
    } finally {
      await moving.stop();
    }
  });

  it('asks for the next page while the caller is still working through this one', async () => {
    const reader = new AzureRestReader(new DefaultAzureCredential(), 'https://service.powerapps.com/.default', {
      tlsOptions: { ca: world.double.ca },
    });
    const pages = reader.pages(
      `${world.double.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01`,
    );
    world.double.resetRequests();
    await pages.next();
    await vi.waitFor(() => expect(world.double.requests()['powerPlatform.listEnvironments']).toBe(2));
    await pages.return(undefined);
  });
});
