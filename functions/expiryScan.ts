import type { InvocationContext, Timer } from '@azure/functions';
import { services } from '../shared/composition/index.js';
import { describeMemory } from '../shared/telemetry/memory.js';
import type { FunctionDefinition } from './definition.js';

export async function runScan(_timer: Timer, context: InvocationContext): Promise<void> {
  const run = await services().scanThenAlert((message) => context.warn(message));
  context.log(`Scan done: ${JSON.stringify(run)}; ${describeMemory()}`);
}

/**
 * On SCAN_SCHEDULE, which the host reads from the app settings (a %setting% binding expression:
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#configuration); config.ts validates it.
 */
export const expiryScan: FunctionDefinition = {
  trigger: 'timer',
  name: 'expiryScan',
  options: { schedule: '%SCAN_SCHEDULE%', handler: runScan },
};
