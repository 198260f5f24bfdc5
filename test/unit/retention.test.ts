import { describe, expect, it } from 'vitest';
import { defaultRetention } from '../../shared/config.js';
import { trimStores } from '../../shared/application/retention.js';

const now = new Date('2026-12-03T03:30:00Z');
const daysBefore = (date: Date) => Math.round((now.getTime() - date.getTime()) / 86_400_000);

describe('retention', () => {
  it('folds the event counts first, then trims each store at its own age', async () => {
    const calls: string[] = [];
    const result = await trimStores(
      {
        statuses: { trimHistory: async (before) => (calls.push(`history ${daysBefore(before)}`), 4) },
        events: {
          compactCounts: async () => (calls.push('fold'), 2),
          trim: async (rejected, counts) => (calls.push(`events ${daysBefore(rejected)} ${daysBefore(counts)}`), 5),
        },
        alerts: { trimDelivered: async (before) => (calls.push(`alerts ${daysBefore(before)}`), 6) },
        ages: { ...defaultRetention, historyDays: 10 },
      },
      now,
    );
    expect(result).toEqual({ history: 4, events: 5, alerts: 6, countsFolded: 2 });
    expect(calls[0]).toBe('fold');
    expect(calls.slice(1).sort()).toEqual(['alerts 90', 'events 30 90', 'history 10']);
  });
});
