/**
 * One run of `work` (with the input of the caller that started it) for the callers of the same key that arrive while it waits: a caller joins the run queued for
 * its key, or queues one behind the run in progress, never a run that started before the caller arrived. So a
 * flood of identical hints costs at most one run in progress and one queued per key, and every caller still gets
 * a reading made after it came.
 */
export function coalesce<I, T>(work: (input: I) => Promise<T>): (key: string, input: I) => Promise<T> {
  const slots = new Map<string, { running: Promise<T> | null; queued: Promise<T> | null }>();
  const start = (
    key: string,
    input: I,
    slot: { running: Promise<T> | null; queued: Promise<T> | null },
  ): Promise<T> => {
    const run = work(input).finally(() => {
      if (slot.running !== run) return;
      slot.running = null;
      if (!slot.queued) slots.delete(key);
    });
    slot.running = run;
    return run;
  };
  return (key, input) => {
    const slot = slots.get(key) ?? { running: null, queued: null };
    slots.set(key, slot);
    if (slot.queued) return slot.queued;
    if (!slot.running) return start(key, input, slot);
    const queued = slot.running
      .catch(() => undefined)
      .then(() => {
        slot.queued = null;
        return start(key, input, slot);
      });
    slot.queued = queued;
    return queued;
  };
}
