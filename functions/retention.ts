import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition/index.js';
import type { FunctionDefinition } from './definition.js';

export async function runRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  context.log(`Retention: ${JSON.stringify(await services().trim())}`);
}

/** Daily at 03:30 UTC: history, rejected events, counts and delivered alerts past their RETAIN_*_DAYS go. */
export const retention: FunctionDefinition = {
  trigger: 'timer',
  name: 'retention',
  options: { schedule: '0 30 3 * * *', handler: runRetention },
};
