import { describe, expect, it } from 'vitest';
import { isPast, levelOf } from '../../../shared/domain/alerts/ladder.js';
import { day, expiring, incident, now } from './builders.js';

const ladder = [30, 14, 7, 3, 1];

describe('levelOf', () => {
  it.each([
    [31, null],
    [30 + 1 / 24, null],
    [30, 30],
    [29 + 23 / 24, 30],
    [14.5, 30],
    [14, 14],
    [10, 14],
    [7, 7],
    [6.1, 7],
    [3, 3],
    [1, 1],
    [0.2, 1],
    [0, 1],
    [-5, 1],
  ])('puts a key expiring in %s days on rung %s', (days, level) => {
    expect(levelOf(expiring(days), now, ladder)).toBe(level);
  });

  it('alerts everything else at once, and key-expiring without a date never', () => {
    expect(levelOf(incident(), now, ladder)).toBe(0);
    expect(levelOf(incident({ rule: 'monitor-blind', severity: 'warning' }), now, ladder)).toBe(0);
    expect(levelOf({ ...expiring(5), dueAt: null }, now, ladder)).toBeNull();
  });

  it('keeps key-expiring on the ladder when it turns critical', () => {
    expect(levelOf({ ...expiring(5), severity: 'critical' }, now, ladder)).toBe(7);
  });

  it('follows the configured ladder', () => {
    expect(levelOf(expiring(20), now, [60, 21])).toBe(21);
    expect(levelOf({ ...expiring(0), dueAt: new Date(now.getTime() + 10 * day).toISOString() }, now, [5])).toBeNull();
  });

  it.each([
    [7, 0],
    [3.5, 0],
    [3, 3],
    [1.5, 3],
    [1, 1],
    [-2, 1],
  ])('puts an outage %s days before deletion on rung %s', (days, level) => {
    expect(levelOf(incident({ deletionAt: new Date(now.getTime() + days * day).toISOString() }), now, ladder)).toBe(
      level,
    );
  });
});

describe('isPast', () => {
  it('goes down the ladder only: fewer days left, or a first reminder after an alert sent at once', () => {
    expect([
      isPast(7, 14),
      isPast(14, 7),
      isPast(3, 3),
      isPast(3, 0),
      isPast(1, 3),
      isPast(0, 3),
      isPast(0, 0),
    ]).toEqual([true, false, false, true, true, false, false]);
  });
});
