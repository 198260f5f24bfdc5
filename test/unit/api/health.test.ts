import { describe, expect, it } from 'vitest';
import { toHealthView } from '../../../shared/api/health.js';
import { statusOf } from './builders.js';

describe('toHealthView', () => {
  it('says ok with no scan yet: lastScanAt null and nothing counted', () => {
    expect(toHealthView([], null)).toEqual({
      status: 'ok',
      lastScanAt: null,
      environments: 0,
      byStatus: { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 },
      lastScan: null,
    });
  });

  it('counts the stored environments by status and carries the last scan', () => {
    const summary = { at: '2026-11-22T12:00:00.000Z', environments: 3 };
    const health = toHealthView(
      [statusOf({ status: 'outage' }), statusOf({ status: 'outage' }), statusOf({ status: 'unknown' })],
      { at: summary.at, summary },
    );
    expect(health).toEqual({
      status: 'ok',
      lastScanAt: '2026-11-22T12:00:00.000Z',
      environments: 3,
      byStatus: { healthy: 0, warning: 0, critical: 0, outage: 2, unknown: 1 },
      lastScan: summary,
    });
  });
});
