import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition.js';
import type { FunctionDefinition } from './definition.js';

/** Hourly unless SCAN_SCHEDULE (an NCRONTAB expression) says otherwise. */
export const scanSchedule = process.env.SCAN_SCHEDULE?.trim() || '0 0 * * * *';

export async function runScan(_timer: Timer, context: InvocationContext): Promise<void> {
  const run = await services().scanThenAlert((message) => context.warn(message));
  context.log(`Scan done: ${JSON.stringify(run)}`);
}

export const expiryScan: FunctionDefinition = {
  trigger: 'timer',
  name: 'expiryScan',
  options: { schedule: scanSchedule, handler: runScan },
};
