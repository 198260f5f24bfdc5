import type { EventGridEvent, EventGridHandler, InvocationContext } from '@azure/functions';
import { services as appServices, type Services } from '../shared/composition/index.js';
import { readEvent } from '../shared/adapters/events/readEvent.js';
import type { EventGridEventResult, EventSummary } from '../shared/application/eventGridEvent.js';
import { quote } from '../shared/text/logText.js';
import { record } from '../shared/telemetry/instruments.js';
import type { FunctionDefinition } from './definition.js';

const dayMs = 86_400_000;

/**
 * One Event Grid event: decoded here, handled by the use case (eventGridEvent.ts), answered here. An event that fails
 * validation is recorded with its reason and acknowledged (a retry would fail the same way); a transient failure
 * throws, so Event Grid retries.
 */
export function createEventHandler(services: () => Services): EventGridHandler {
  return async (event: EventGridEvent, context: InvocationContext) => {
    const app = services();
    const delivered = { reading: readEvent(event), payload: event, functionName: context.functionName };
    answer(await app.event(delivered, (message) => context.warn(message)), event, context);
  };
}

/** What became of the event, as Event Grid reads it: returning acknowledges it, throwing has it delivered again. */
function answer(result: EventGridEventResult, event: EventGridEvent, context: InvocationContext): void {
  const counted = (outcome: string) => record('events', 1, { function: context.functionName, outcome });
  switch (result.outcome) {
    case 'rejected':
      counted('rejected');
      context.warn(`Rejected an event: ${result.reason}`);
      return;
    case 'ignored':
      counted('ignored');
      context.log(`Ignored ${named(result.event)}: ${result.reason}`);
      return;
    case 'retry':
      throw result.error;
    case 'processed':
    case 'unaffected': {
      counted(result.outcome);
      const latencyMs = Date.now() - Date.parse(event.eventTime);
      if (latencyMs >= 0 && latencyMs <= dayMs)
        record('eventLatency', latencyMs / 1000, { function: context.functionName });
      const { evaluated } = result;
      const line = `${named(result.event)}: ${evaluated.environments} environments behind it, ${evaluated.changed} changed`;
      if (evaluated.alertsError)
        return context.warn(`${line}; alerts not decided (the alertDelivery timer will): ${evaluated.alertsError}`);
      context.log(evaluated.alerts?.queued ? `${line}; alerts ${JSON.stringify(evaluated.alerts)}` : line);
    }
  }
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
