import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition.js';
import type { FunctionDefinition } from './definition.js';

export async function runAlertDigest(_timer: Timer, context: InvocationContext): Promise<void> {
  const run = await services().digest((message) => context.warn(message));
  context.log(`Digest: ${JSON.stringify(run)}`);
}

/** The daily digest, on the NCRONTAB schedule ALERT_DIGEST_SCHEDULE; no digest when it is not set. */
export function alertDigest(schedule = process.env.ALERT_DIGEST_SCHEDULE?.trim()): FunctionDefinition[] {
  return schedule ? [{ trigger: 'timer', name: 'alertDigest', options: { schedule, handler: runAlertDigest } }] : [];
}
