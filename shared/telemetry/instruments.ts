import {
  context as contexts,
  metrics,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Span,
} from '@opentelemetry/api';
import { meterName, metricNames, spanNames, type MetricKey } from './names.js';

type Instrument = Counter | Gauge | Histogram;

let current: { provider: MeterProvider; meter: Meter; instruments: Map<MetricKey, Instrument> } | undefined;

/** The instrument of `key`, made on the meter provider in place now (none before telemetry starts: then a no-op). */
function instrument(key: MetricKey): Instrument {
  const provider = metrics.getMeterProvider();
  if (current?.provider !== provider)
    current = { provider, meter: provider.getMeter(meterName), instruments: new Map() };
  let found = current.instruments.get(key);
  if (!found) {
    const { name, kind, unit, description } = metricNames[key];
    const options = { unit, description };
    found =
      kind === 'counter'
        ? current.meter.createCounter(name, options)
        : kind === 'gauge'
          ? current.meter.createGauge(name, options)
          : current.meter.createHistogram(name, options);
    current.instruments.set(key, found);
  }
  return found;
}

/** Adds to a counter, sets a gauge, or records into a histogram. Telemetry never fails the monitor: errors are dropped. */
export function record(key: MetricKey, value: number, attributes: Attributes = {}): void {
  try {
    const target = instrument(key);
    if ('add' in target) target.add(value, attributes);
    else target.record(value, attributes);
  } catch {
    // Lost telemetry, never a lost scan or alert.
  }
}

export type SpanKey = keyof typeof spanNames;

/**
 * Runs `work` in a span of its own (under `parent`, else the active span), which ends with it. A failure marks the
 * span with the error's class name only: messages can carry response text, which stays in the logs.
 */
export async function inSpan<T>(
  key: SpanKey,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  parent: Context = contexts.active(),
): Promise<T> {
  const tracer = trace.getTracer(meterName);
  return tracer.startActiveSpan(spanNames[key], { attributes }, parent, async (span) => {
    try {
      const result = await work(span);
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'Error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace's id, for a log line to carry; null outside a sampled span. */
export function traceId(): string | null {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? span.traceId : null;
}
