import { describe, expect, it } from 'vitest';
import { toEnvironmentView } from '../../../shared/application/views/environmentView.js';
import { compareUrgency, sortByUrgency } from '../../../shared/application/views/urgency.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import { statusOf } from './builders.js';

let next = 0;
const view = (overrides: Partial<EnvironmentStatus>) =>
  toEnvironmentView(
    statusOf({ environmentId: `00000000-0000-4000-8000-${String(++next).padStart(12, '0')}`, ...overrides }),
  );
const names = (views: { displayName: string }[]) => views.map((v) => v.displayName);

describe('sortByUrgency', () => {
  it('puts outages first, the longest-running outage first', () => {
    const sorted = sortByUrgency([
      view({ displayName: 'expiring soon', status: 'critical', outageAt: '2026-01-02T00:00:00.000Z' }),
      view({ displayName: 'down since Tuesday', status: 'outage', outageAt: '2026-01-06T00:00:00.000Z' }),
      view({ displayName: 'down since Monday', status: 'outage', outageAt: '2026-01-05T00:00:00.000Z' }),
      view({ displayName: 'down, start unknown', status: 'outage', outageAt: null }),
    ]);
    expect(names(sorted)).toEqual(['down since Monday', 'down since Tuesday', 'down, start unknown', 'expiring soon']);
  });

  it('then orders by the predicted outage, earliest first, those without one last', () => {
    const sorted = sortByUrgency([
      view({ displayName: 'no expiry', status: 'critical', outageAt: null }),
      view({ displayName: 'in 20 days', status: 'warning', outageAt: '2026-01-21T00:00:00.000Z' }),
      view({ displayName: 'in 5 days', status: 'critical', outageAt: '2026-01-06T00:00:00.000Z' }),
    ]);
    expect(names(sorted)).toEqual(['in 5 days', 'in 20 days', 'no expiry']);
  });

  it('then by status: critical, unknown, warning, healthy', () => {
    const sorted = sortByUrgency([
      view({ displayName: 'a', status: 'healthy' }),
      view({ displayName: 'b', status: 'warning' }),
      view({ displayName: 'c', status: 'unknown' }),
      view({ displayName: 'd', status: 'critical' }),
    ]);
    expect(sorted.map((v) => v.status)).toEqual(['critical', 'unknown', 'warning', 'healthy']);
  });

  it('then by display name, ignoring case and reading numbers as numbers', () => {
    const sorted = sortByUrgency([
      view({ displayName: 'sales 10' }),
      view({ displayName: 'Sales 9' }),
      view({ displayName: 'HR' }),
    ]);
    expect(names(sorted)).toEqual(['HR', 'Sales 9', 'sales 10']);
  });

  it('breaks a full tie by id, so the order never depends on the input order', () => {
    const a = view({ displayName: 'Same' });
    const b = view({ displayName: 'Same' });
    expect(sortByUrgency([b, a])).toEqual([a, b]);
    expect(compareUrgency(a, a)).toBe(0);
  });

  it('treats an unparseable outage time as unknown and does not mutate its input', () => {
    const input = [
      view({ displayName: 'bad time', outageAt: 'soon' }),
      view({ displayName: 'dated', outageAt: '2026-01-01T00:00:00.000Z' }),
    ];
    expect(names(sortByUrgency(input))).toEqual(['dated', 'bad time']);
    expect(names(input)).toEqual(['bad time', 'dated']);
  });
});
