import { Cron } from 'croner';

/** The time between two runs of an NCRONTAB schedule (six fields, seconds first), or null when it never runs twice. */
export function scheduleIntervalMs(schedule: string, from = new Date()): number | null {
  const runs = new Cron(schedule, { paused: true }).nextRuns(2, from);
  const [first, second] = runs;
  return first && second ? second.getTime() - first.getTime() : null;
}

/** Whether croner (the same reader the sandbox's host schedules with) reads `schedule`. */
export function isSchedule(schedule: string): boolean {
  try {
    new Cron(schedule, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}
