import type { EventGridEvent, EventGridHandler, InvocationContext } from '@azure/functions';
import { services as appServices, type Services } from '../shared/composition.js';
import { readEvent, type EventSummary } from '../shared/adapters/events/readEvent.js';
import { quote } from '../shared/text/logText.js';
import { record } from '../shared/telemetry/instruments.js';
import type { FunctionDefinition } from './definition.js';

const dayMs = 86_400_000;

/**
 * One Event Grid event: a hint to re-read part of the chain. An event that fails validation is recorded with
 * its reason and acknowledged (a retry would fail the same way); a transient failure throws, so Event Grid retries.
 */
export function createEventHandler(services: () => Services): EventGridHandler {
  return async (event: EventGridEvent, context: InvocationContext) => {
    const app = services();
    const { events } = await app.stores();
    const reading = readEvent(event);
    switch (reading.kind) {
      case 'rejected':
        await events.reject({
          receivedAt: new Date().toISOString(),
          functionName: context.functionName,
          reason: reading.reason,
          payload: event,
        });
        await events.count('rejected');
        record('events', 1, { function: context.functionName, outcome: 'rejected' });
        context.warn(`Rejected an event: ${reading.reason}`);
        return;
      case 'ignored':
        await events.count('ignored');
        record('events', 1, { function: context.functionName, outcome: 'ignored' });
        context.log(`Ignored ${named(reading.event)}: ${reading.reason}`);
        return;
      case 'hint': {
        const result = await app.rejudge(reading.hint, reading.event.type, (message) => context.warn(message));
        const outcome = result.environments ? 'processed' : 'unaffected';
        await events.count(outcome);
        record('events', 1, { function: context.functionName, outcome });
        const latencyMs = Date.now() - Date.parse(event.eventTime);
        if (latencyMs >= 0 && latencyMs <= dayMs)
          record('eventLatency', latencyMs / 1000, { function: context.functionName });
        const line = `${named(reading.event)}: ${result.environments} environments behind it, ${result.changed} changed`;
        if (result.alertsError)
          return context.warn(`${line}; alerts not decided (the alertDelivery timer will): ${result.alertsError}`);
        context.log(result.alerts?.queued ? `${line}; alerts ${JSON.stringify(result.alerts)}` : line);
      }
    }
  };
}

/** The event's type and id as a log line may show them: quoted and cut, whoever sent them. */
function named(event: EventSummary): string {
  return `${quote(event.type, 100)} ${quote(event.id, 100)}`;
}

export function eventDefinitions(services: () => Services): FunctionDefinition[] {
  const handler = createEventHandler(services);
  return [
    { trigger: 'eventGrid', name: 'keyVaultEvents', options: { handler } },
    { trigger: 'eventGrid', name: 'resourceEvents', options: { handler } },
  ];
}

export const events: readonly FunctionDefinition[] = eventDefinitions(appServices);
