import { describe, expect, it, onTestFinished } from 'vitest';
import { enqueuedTimes } from '../../../shared/adapters/events/enqueuedTimes.js';

describe('enqueuedTimes', () => {
  it("reads each message's enqueued time from the trigger metadata, UTC whether or not it says so", () => {
    // On a machine whose local time is UTC, a time without an offset would read right even if taken as local.
    const zone = process.env.TZ;
    process.env.TZ = 'America/Sao_Paulo';
    onTestFinished(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });
    const metadata = {
      enqueuedTimeUtcArray: ['2026-12-02T10:15:46.123Z', '2026-12-02T10:15:47.1234567', '2026-12-02T11:15:48+01:00'],
    };
    expect(enqueuedTimes(metadata, 3).map((at) => at?.toISOString())).toEqual([
      '2026-12-02T10:15:46.123Z',
      '2026-12-02T10:15:47.123Z',
      '2026-12-02T10:15:48.000Z',
    ]);
  });

  it('gives null for a message the trigger gave no readable time for', () => {
    expect(enqueuedTimes(undefined, 2)).toEqual([null, null]);
    expect(enqueuedTimes({ enqueuedTimeUtcArray: ['yesterday', 1_765_000_000_000] }, 3)).toEqual([null, null, null]);
    expect(enqueuedTimes({ enqueuedTimeUtc: '2026-12-02T10:15:46Z' }, 1)).toEqual([null]);
  });
});
