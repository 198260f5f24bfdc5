import { describe, expect, it } from 'vitest';
import { coverageLine, reachesMonitor, summarizeCoverage } from '../../../shared/domain/eventCoverage.js';
import { evaluate } from '../../../shared/domain/evaluate.js';
import { chainOf, environmentOf, NOW } from './builders.js';

const app =
  '/subscriptions/00000000-0000-0000-0000-000000000009/resourceGroups/rg-mon/providers/Microsoft.Web/sites/func-cmk';
const fn = (resourceId: string) => ({ endpointType: 'AzureFunction', resourceId });

describe('reachesMonitor', () => {
  it("is true only for this app's keyVaultEvents, whatever the case", () => {
    expect(reachesMonitor([fn(`${app.toUpperCase()}/functions/KEYVAULTEVENTS`)], app)).toBe(true);
    expect(reachesMonitor([fn(`${app}/functions/resourceEvents`)], app)).toBe(false);
    expect(reachesMonitor([fn(`${app}-other/functions/keyVaultEvents`)], app)).toBe(false);
    expect(reachesMonitor([{ endpointType: 'WebHook', resourceId: null }], app)).toBe(false);
    expect(reachesMonitor([], app)).toBe(false);
  });
});

describe('event coverage', () => {
  it('counts the vaults events reach and names the others', () => {
    const summary = summarizeCoverage([
      { vaultId: 'a', vaultName: 'kv-a', coverage: 'covered' },
      { vaultId: 'b', vaultName: 'kv-b', coverage: 'not-covered' },
      { vaultId: 'c', vaultName: 'kv-c', coverage: 'unknown', detail: 'HTTP 403' },
      { vaultId: 'd', vaultName: 'hsm-d', coverage: 'timer-only' },
    ]);
    expect(summary).toEqual({ covered: 1, vaults: 4, notCovered: ['kv-b'], unknown: ['kv-c'], timerOnly: ['hsm-d'] });
    expect(coverageLine({ ...summary, unknown: [], timerOnly: [] }, 'every hour')).toBe(
      'events: 1 of 4 vaults; kv-b only by the scan every hour',
    );
  });

  it('says a Managed HSM is seen only by the scan, because it publishes no events', () => {
    const summary = { covered: 1, vaults: 2, notCovered: [], unknown: [], timerOnly: ['hsm-d'] };
    expect(coverageLine(summary, 'every hour')).toBe(
      'events: 1 of 2 vaults; hsm-d only by the scan every hour (Managed HSM publishes no events)',
    );
  });

  it('gives an info finding, changing no status, only for a vault known not to be wired', () => {
    const evaluated = (events?: 'covered' | 'not-covered' | 'timer-only' | 'unknown') =>
      evaluate(
        { environment: environmentOf(), chain: { ...chainOf(), ...(events ? { events } : {}) }, unlink: null },
        NOW,
      );
    expect(evaluated('not-covered')).toMatchObject({
      status: 'healthy',
      findings: [{ rule: 'events-not-wired', severity: 'info' }],
    });
    expect(evaluated('not-covered').findings[0]?.message).toMatch(/kv-contoso/);
    for (const events of ['covered', 'timer-only', 'unknown', undefined] as const)
      expect(evaluated(events).findings).toEqual([]);
  });
});
