import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition.js';
import type { FunctionDefinition } from './definition.js';

/** Hourly unless SCAN_SCHEDULE (an NCRONTAB expression) says otherwise. */
export const scanSchedule = process.env.SCAN_SCHEDULE?.trim() || '0 0 * * * *';

export async function runScan(_timer: Timer, context: InvocationContext): Promise<void> {
  const app = services();
  const summary = await app.scan((message) => context.warn(message));
  context.log(`Scan done: ${JSON.stringify(summary)}`);
  const alerts = await app.alert((message) => context.warn(message));
  context.log(`Alerts: ${JSON.stringify(alerts)}`);
}

export const expiryScan: FunctionDefinition = {
  trigger: 'timer',
  name: 'expiryScan',
  options: { schedule: scanSchedule, handler: runScan },
};
