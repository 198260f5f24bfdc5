import type { Timer, TimerFunctionOptions } from '@azure/functions';
import { Cron } from 'croner';
import { invocationContext } from './context.js';

export interface TimerFunction {
  name: string;
  options: TimerFunctionOptions;
}

/** Runs a timer function now, as the Functions host does for a missed or start-up occurrence. */
export async function runTimer(fn: TimerFunction, isPastDue = false): Promise<void> {
  const timer: Timer = {
    isPastDue,
    schedule: { adjustForDST: true },
    scheduleStatus: { last: new Date().toISOString(), next: '', lastUpdated: new Date().toISOString() },
  };
  await fn.options.handler(timer, invocationContext(fn.name));
}

/** Schedules every timer on its NCRONTAB expression (six fields, seconds first); an occurrence never overlaps the last. */
export function scheduleTimers(functions: TimerFunction[]): () => void {
  const jobs = functions.map(
    (fn) =>
      new Cron(fn.options.schedule, { protect: true }, async () => {
        try {
          await runTimer(fn);
        } catch (error) {
          console.error(`[${fn.name}] ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
  );
  return () => jobs.forEach((job) => job.stop());
}
