import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition/index.js';
import type { FunctionDefinition } from './definition.js';

/** Every five minutes: sends alerts a mail outage held back, and decides any a failed event run left undecided. */
const schedule = '0 */5 * * * *';

export async function runAlertDelivery(_timer: Timer, context: InvocationContext): Promise<void> {
  const run = await services().alert((message) => context.warn(message));
  if (run.queued || run.sent || run.failed || run.waiting) context.log(`Alerts: ${JSON.stringify(run)}`);
}

export const alertDelivery: FunctionDefinition = {
  trigger: 'timer',
  name: 'alertDelivery',
  options: { schedule, handler: runAlertDelivery },
};
