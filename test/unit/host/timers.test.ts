import { describe, expect, it } from 'vitest';
import { resolveSchedule } from '../../../sandbox/host/timers.js';

const fn = (schedule: string) => ({ name: 'expiryScan', options: { schedule, handler: () => undefined } });

describe("the local host's timer schedules", () => {
  it('reads a %setting% schedule from the app settings, and takes a literal one as it is', () => {
    expect(resolveSchedule(fn('%SCAN_SCHEDULE%'), { SCAN_SCHEDULE: ' 0 */5 * * * * ' })).toBe('0 */5 * * * *');
    expect(resolveSchedule(fn('0 30 3 * * *'), {})).toBe('0 30 3 * * *');
  });

  it('refuses a %setting% that is not set, naming the function, as the Functions host does', () => {
    expect(() => resolveSchedule(fn('%SCAN_SCHEDULE%'), { SCAN_SCHEDULE: ' ' })).toThrow(
      "expiryScan: '%SCAN_SCHEDULE%' does not resolve to a value",
    );
  });
});
