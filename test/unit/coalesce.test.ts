import { describe, expect, it } from 'vitest';
import { coalesce } from '../../shared/application/coalesce.js';

function gate() {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('coalesce', () => {
  it('runs a flood of callers of one key as the run in progress plus one queued run', async () => {
    const first = gate();
    const started: number[] = [];
    let runs = 0;
    const run = coalesce(async () => {
      const n = ++runs;
      started.push(n);
      if (n === 1) await first.opened;
      return n;
    });
    const early = run('k', 'k');
    const late = Array.from({ length: 1_000 }, () => run('k', 'k'));
    first.open();
    expect(await early).toBe(1);
    // Every caller that came while run 1 was in progress gets run 2, which started after they arrived.
    expect(new Set(await Promise.all(late))).toEqual(new Set([2]));
    expect(runs).toBe(2);
    expect(await run('k', 'k')).toBe(3);
  });

  it('keeps keys apart, and a failed run does not stop the queued one', async () => {
    const first = gate();
    let runs = 0;
    const run = coalesce(async (key: string) => {
      runs++;
      if (key === 'a' && runs === 1) {
        await first.opened;
        throw new Error('transient');
      }
      return key;
    });
    const failing = run('a', 'a');
    const queued = run('a', 'a');
    expect(await run('b', 'b')).toBe('b');
    first.open();
    await expect(failing).rejects.toThrow('transient');
    expect(await queued).toBe('a');
  });
});
