import { describe, expect, it } from 'vitest';
import { toHealthView } from '../../../shared/application/views/health.js';
import { statusOf } from './builders.js';

describe('toHealthView', () => {
  it('says ok with no scan yet: lastScanAt null and nothing counted', () => {
    expect(toHealthView([], null)).toEqual({
      status: 'ok',
      degraded: [],
      lastScanAt: null,
      environments: 0,
      byStatus: { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 },
      lastScan: null,
      events: null,
      alerts: { waiting: 0, oldest: null },
      audit: { lastBatchAt: null },
    });
  });

  it('counts the stored environments by status and carries the last scan', () => {
    const summary = { at: '2026-11-22T12:00:00.000Z', environments: 3 };
    const health = toHealthView(
      [statusOf({ status: 'outage' }), statusOf({ status: 'outage' }), statusOf({ status: 'unknown' })],
      { at: summary.at, summary },
      null,
      [],
      '2026-11-22T11:59:00.000Z',
    );
    expect(health).toEqual({
      status: 'ok',
      degraded: [],
      lastScanAt: '2026-11-22T12:00:00.000Z',
      environments: 3,
      byStatus: { healthy: 0, warning: 0, critical: 0, outage: 2, unknown: 1 },
      lastScan: summary,
      events: null,
      alerts: { waiting: 0, oldest: null },
      audit: { lastBatchAt: '2026-11-22T11:59:00.000Z' },
    });
  });

  it('shows which vaults events reach, and those only the scan sees', () => {
    const summary = { events: { covered: 7, vaults: 8, notCovered: ['kv-x'], unknown: [] } };
    const health = toHealthView([], { at: '2026-11-22T12:00:00.000Z', summary }, 3_600_000);
    expect(health.events).toEqual({
      covered: 7,
      vaults: 8,
      notCovered: ['kv-x'],
      unknown: [],
      timerOnly: [],
      text: 'events: 7 of 8 vaults; kv-x only by the scan every hour',
    });
  });

  it('says which vaults could not be read rather than counting them as wired or not', () => {
    const summary = { events: { covered: 1, vaults: 2, notCovered: [], unknown: ['kv-y'] } };
    expect(toHealthView([], { at: '2026-11-22T12:00:00.000Z', summary }, 6 * 3_600_000).events?.text).toBe(
      'events: 1 of 2 vaults; kv-y not known (its Event Grid topics could not be read)',
    );
  });
});
