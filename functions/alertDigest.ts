import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition/index.js';
import type { FunctionDefinition } from './definition.js';

export async function runAlertDigest(_timer: Timer, context: InvocationContext): Promise<void> {
  const run = await services().digest((message) => context.warn(message));
  context.log(`Digest: ${JSON.stringify(run)}`);
}

/**
 * The daily digest, on ALERT_DIGEST_SCHEDULE read by the host (a %setting% binding expression); without a digest
 * the function is off (`AzureWebJobs.alertDigest.Disabled`), as infra/main.bicep sets it.
 */
export const alertDigest: FunctionDefinition = {
  trigger: 'timer',
  name: 'alertDigest',
  options: { schedule: '%ALERT_DIGEST_SCHEDULE%', handler: runAlertDigest },
};
