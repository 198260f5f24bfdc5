/** What the telemetry receiver keeps: each metric's last point per attribute set, and the last spans and log records. */
import stringify from 'safe-stable-stringify';
import type { LogRecord, Metric, MetricKind, MetricPoint, Span } from './otlp.js';

/** Spans and log records kept, each: the oldest go first. */
export const kept = 1000;

export interface TelemetryStore {
  addMetrics(metrics: Metric[]): void;
  addSpans(spans: Span[]): void;
  addLogs(logs: LogRecord[]): void;
  metrics(): { metrics: Record<string, { kind: MetricKind; unit: string; points: MetricPoint[] }> };
  spans(): { spans: Span[] };
  logs(): { logs: LogRecord[] };
  clear(): void;
}

export function telemetryStore(): TelemetryStore {
  const metrics = new Map<string, { kind: MetricKind; unit: string; points: Map<string, MetricPoint> }>();
  const spans: Span[] = [];
  const logs: LogRecord[] = [];
  return {
    addMetrics(received) {
      for (const { name, kind, unit, points } of received) {
        const known = metrics.get(name);
        const metric = known?.kind === kind ? known : { kind, unit, points: new Map<string, MetricPoint>() };
        metric.unit = unit;
        metrics.set(name, metric);
        // Keyed by the attributes with their keys sorted, so one set written in another order is the same point.
        for (const point of points) metric.points.set(stringify(point.attributes), point);
      }
    },
    addSpans: (received) => keepLast(spans, received),
    addLogs: (received) => keepLast(logs, received),
    metrics: () => ({
      metrics: Object.fromEntries(
        [...metrics].map(([name, { kind, unit, points }]) => [name, { kind, unit, points: [...points.values()] }]),
      ),
    }),
    spans: () => ({ spans }),
    logs: () => ({ logs }),
    clear() {
      metrics.clear();
      spans.length = 0;
      logs.length = 0;
    },
  };
}

function keepLast<T>(list: T[], received: T[]): void {
  list.push(...received.slice(-kept));
  list.splice(0, list.length - kept);
}
