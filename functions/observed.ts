import type { InvocationContext } from '@azure/functions';
import { context as contexts, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { inSpan, record, type SpanKey } from '../shared/telemetry/instruments.js';
import { flushTelemetry } from '../shared/telemetry/start.js';
import type { FunctionDefinition } from './definition.js';

const spanOf: Record<FunctionDefinition['trigger'], SpanKey> = {
  timer: 'invocation',
  http: 'invocation',
  eventGrid: 'event',
  eventHub: 'auditBatch',
};

/**
 * The definition with its handler in a span, under the trace the Functions host started for the invocation (its
 * `traceparent`, which the host also stamps on the invocation's logs), and counted by outcome. This is what
 * `@azure/functions-opentelemetry-instrumentation` does through `app.hook.preInvocation`; done here, it reaches the
 * local host too, which calls the handlers without the Functions worker.
 */
export function observed(definition: FunctionDefinition): FunctionDefinition {
  const observe =
    <I, R>(handler: (input: I, context: InvocationContext) => R | Promise<R>) =>
    async (input: I, context: InvocationContext): Promise<R> => {
      const run = inSpan(
        spanOf[definition.trigger],
        { 'faas.name': definition.name, 'faas.invocation_id': context.invocationId },
        async () => {
          try {
            const result = await handler(input, context);
            record('invocations', 1, { function: definition.name, outcome: 'success' });
            return result;
          } catch (error) {
            record('invocations', 1, { function: definition.name, outcome: 'failure' });
            throw error;
          }
        },
        parentOf(context),
      );
      // A timer's telemetry is sent before it returns (see flushTelemetry); an event's waits for the next export.
      if (definition.trigger === 'timer') await run.finally(flushTelemetry);
      return run;
    };
  switch (definition.trigger) {
    case 'timer':
      return { ...definition, options: { ...definition.options, handler: observe(definition.options.handler) } };
    case 'http':
      return { ...definition, options: { ...definition.options, handler: observe(definition.options.handler) } };
    case 'eventGrid':
      return { ...definition, options: { ...definition.options, handler: observe(definition.options.handler) } };
    case 'eventHub':
      return { ...definition, options: { ...definition.options, handler: observe(definition.options.handler) } };
  }
}

function parentOf(context: InvocationContext): Context {
  const traceparent = context.traceContext?.traceParent;
  if (!traceparent) return contexts.active();
  return propagation.extract(ROOT_CONTEXT, {
    traceparent,
    ...(context.traceContext?.traceState ? { tracestate: context.traceContext.traceState } : {}),
  });
}
