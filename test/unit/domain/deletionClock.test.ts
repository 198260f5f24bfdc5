import { describe, expect, it } from 'vitest';
import { deletionClock, deletionNotice, deletionWindowDays } from '../../../shared/domain/deletionClock.js';
import type { Evaluation, Finding } from '../../../shared/domain/model.js';

const t0 = '2026-11-22T12:00:00.000Z';
const t1 = '2026-11-23T08:00:00.000Z';
const disabled: Finding = { rule: 'key-disabled', severity: 'outage', message: 'Key k is disabled', dueAt: null };
const expiredOn = '2026-11-20T00:00:00.000Z';
const expired: Finding = {
  rule: 'key-expired',
  severity: 'outage',
  message: `Key k expired on ${expiredOn}`,
  dueAt: expiredOn,
};
const down = (...findings: Finding[]): Evaluation => ({ status: 'outage', findings, outageAt: null });
const plus = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

describe('deletionWindowDays', () => {
  it('gives production 30 days and a sandbox, or any other type, 7', () => {
    expect(deletionWindowDays('Production')).toBe(30);
    expect(deletionWindowDays('production')).toBe(30);
    for (const sku of ['Sandbox', 'Developer', 'Trial', 'Default', 'Teams', 'Unknown', ''])
      expect(deletionWindowDays(sku), sku).toBe(7);
  });
});

describe('deletionClock', () => {
  it('starts when the monitor first sees the outage: a sandbox is deleted 7 days on, production 30', () => {
    expect(deletionClock(down(disabled), 'Sandbox', null, t0)).toEqual({ lockedSince: t0, deletionAt: plus(t0, 7) });
    expect(
      deletionClock(
        down(disabled),
        'Production',
        { status: 'critical', since: '2026-11-01T00:00:00.000Z', lockedSince: null },
        t0,
      ),
    ).toEqual({
      lockedSince: t0,
      deletionAt: plus(t0, 30),
    });
  });

  it('starts an expired key at its expiry', () => {
    expect(deletionClock(down(expired), 'Sandbox', null, t0)).toEqual({
      lockedSince: expiredOn,
      deletionAt: plus(expiredOn, 7),
    });
  });

  it('keeps its start while the environment stays down, whatever the finding now', () => {
    const before = { status: 'outage' as const, since: t0, lockedSince: expiredOn };
    expect(deletionClock(down(disabled), 'Sandbox', before, t1)).toEqual({
      lockedSince: expiredOn,
      deletionAt: plus(expiredOn, 7),
    });
    expect(
      deletionClock(down(disabled), 'Sandbox', { status: 'outage', since: t0, lockedSince: t0 }, t1).lockedSince,
    ).toBe(t0);
  });

  it('dates an outage stored without a start from when its status changed', () => {
    expect(
      deletionClock(down(disabled), 'Production', { status: 'outage', since: t0, lockedSince: null }, t1).lockedSince,
    ).toBe(t0);
  });

  it('has no clock outside an outage', () => {
    const restored: Evaluation = { status: 'healthy', findings: [], outageAt: null };
    expect(deletionClock(restored, 'Sandbox', { status: 'outage', since: t0, lockedSince: t0 }, t1)).toEqual({
      lockedSince: null,
      deletionAt: null,
    });
    expect(deletionClock({ status: 'critical', findings: [], outageAt: null }, 'Sandbox', null, t1)).toEqual({
      lockedSince: null,
      deletionAt: null,
    });
  });
});

describe('deletionNotice', () => {
  it.each([
    [7, 'deleted on 2026-11-29 in 7 days unless access is restored'],
    [1, 'deleted on 2026-11-23 in 1 day unless access is restored'],
    [0.5, 'deleted on 2026-11-23 in 1 day unless access is restored'],
    [0, 'deleted on 2026-11-22 today unless access is restored'],
    [-2, 'due for deletion on 2026-11-20 (2 days ago) unless access is restored'],
  ])('says a deletion %s days away as "%s"', (days, text) => {
    expect(deletionNotice(plus(t0, days), new Date(t0))).toBe(text);
  });
});
