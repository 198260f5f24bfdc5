/**
 * The local function host: serves the same function definitions the Azure Functions runtime registers
 * (functions/definitions.ts) on http://127.0.0.1:$PORT — HTTP functions under /api/, the Event Grid webhook
 * path, and the timers on their schedules after one run of each at start-up.
 */
import { createServer } from 'node:http';
import type { FunctionDefinition } from '../../functions/definition.js';
import { startTelemetry } from '../../shared/telemetry/start.js';
import type { EventGridFunction } from './eventGrid.js';
import type { EventHubFunction } from './eventHub.js';
import type { HttpFunction } from './http.js';
import { hostListener } from './listener.js';
import { resolveSchedule, runTimer, scheduleTimers, type ScheduledTimer } from './timers.js';

// As functions/index.ts does in Azure: telemetry first, then the functions.
await startTelemetry(process.env);
const { definitions } = await import('../../functions/definitions.js');

const port = Number(process.env.PORT ?? 7071);
/** A function turned off by its app setting, as in Azure: https://learn.microsoft.com/azure/azure-functions/disable-function */
const disabled = (name: string) =>
  ['true', '1'].includes(process.env[`AzureWebJobs.${name}.Disabled`]?.trim().toLowerCase() ?? '');
const enabled = definitions.filter((d) => !disabled(d.name));
const of = <T extends FunctionDefinition['trigger']>(trigger: T) =>
  enabled.filter((d): d is Extract<FunctionDefinition, { trigger: T }> => d.trigger === trigger);
const http: HttpFunction[] = of('http');
const eventGrid: EventGridFunction[] = of('eventGrid');
const eventHub: EventHubFunction[] = of('eventHub');
const timers: ScheduledTimer[] = of('timer').flatMap((fn) => {
  try {
    return [{ fn, schedule: resolveSchedule(fn, process.env) }];
  } catch (error) {
    console.error(`[${fn.name}] not scheduled: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
});

const server = createServer(hostListener({ http, eventGrid, eventHub }));

for (const { fn: timer } of timers) {
  try {
    await runTimer(timer);
  } catch (error) {
    console.error(`[${timer.name}] start-up run failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
const stopTimers = scheduleTimers(timers);
server.listen(port, '127.0.0.1', () => {
  const ready = { functions: `http://127.0.0.1:${port}`, names: enabled.map((d) => d.name) };
  if (process.send) process.send({ ready });
  else console.log(`Function host ready on ${ready.functions}: ${ready.names.join(', ')}`);
});

const stop = () => {
  stopTimers();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
