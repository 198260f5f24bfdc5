import type { Timer, TimerFunctionOptions } from '@azure/functions';
import { Cron } from 'croner';
import { invocationContext } from './context.js';

export interface TimerFunction {
  name: string;
  options: TimerFunctionOptions;
}

/** A timer function with its schedule read. */
export interface ScheduledTimer {
  fn: TimerFunction;
  schedule: string;
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

/**
 * A schedule as the Functions host reads it: `%NAME%` is the app setting NAME, and one that is not set stops that
 * function, as Azure's host refuses to index it (https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#configuration).
 */
export function resolveSchedule(fn: TimerFunction, env: Record<string, string | undefined>): string {
  const setting = /^%(\w+)%$/.exec(fn.options.schedule)?.[1];
  if (!setting) return fn.options.schedule;
  const value = env[setting]?.trim();
  if (!value) throw new Error(`${fn.name}: '%${setting}%' does not resolve to a value`);
  return value;
}

/** Schedules every timer on its NCRONTAB expression (six fields, seconds first); an occurrence never overlaps the last. */
export function scheduleTimers(timers: ScheduledTimer[]): () => void {
  const jobs = timers.map(
    ({ fn, schedule }) =>
      new Cron(schedule, { protect: true }, async () => {
        try {
          await runTimer(fn);
        } catch (error) {
          console.error(`[${fn.name}] ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
  );
  return () => jobs.forEach((job) => job.stop());
}
