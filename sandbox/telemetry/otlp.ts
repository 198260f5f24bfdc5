/**
 * OTLP/JSON requests, as the `@opentelemetry/exporter-*-otlp-http` packages send them (opentelemetry-proto's JSON
 * mapping: 64-bit integers as numbers or decimal strings, trace and span ids as hex), read into plain records.
 * Unknown fields are ignored, as OTLP asks of a receiver.
 */
import { z } from 'zod';

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Attributes = Record<string, Value>;

export const metricKinds = ['gauge', 'sum', 'histogram', 'exponentialHistogram'] as const;
export type MetricKind = (typeof metricKinds)[number];
export interface HistogramValue {
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
}
export interface MetricPoint {
  attributes: Attributes;
  value: number | HistogramValue | null;
  time: string | null;
}
export interface Metric {
  name: string;
  kind: MetricKind;
  unit: string;
  points: MetricPoint[];
}

const spanKinds = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const statusCodes = ['unset', 'ok', 'error'] as const;
export interface Span {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  kind: (typeof spanKinds)[number];
  start: string;
  end: string;
  durationMs: number;
  attributes: Attributes;
  status: { code: (typeof statusCodes)[number]; message?: string };
}

/** Severity numbers 1-4 are TRACE, 5-8 DEBUG and so on. */
const severities = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export interface LogRecord {
  time: string | null;
  severity: string | null;
  body: Value;
  traceId: string | null;
  spanId: string | null;
  attributes: Attributes;
}

const int64 = z.union(
  [
    z.number().int(),
    z
      .string()
      .regex(/^-?\d{1,19}$/)
      .transform(Number),
  ],
  { error: 'expected an integer, as a number or a decimal string' },
);
const double = z.union([z.number(), z.null(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)], {
  error: 'expected a number',
});
/** Nanoseconds since the Unix epoch; at most 19 digits, so any of them is a valid Date. */
const nanos = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d{1,19}$/)], {
    error: 'expected nanoseconds since 1970, as a number or a decimal string',
  })
  .transform(BigInt);
const isoOf = (time: bigint) => new Date(Number(time / 1_000_000n)).toISOString();
const iso = (time: bigint | undefined) => (time ? isoOf(time) : null);
const id = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `expected ${bytes * 2} hex digits`)
    .transform((hex) => hex.toLowerCase());
/** An id that may be missing: proto3 JSON leaves an empty one out, or writes it as "". */
const optionalId = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^([0-9a-fA-F]{${bytes * 2}})?$`), `expected ${bytes * 2} hex digits, or ""`)
    .transform((hex) => hex.toLowerCase() || null)
    .optional();
const enumIndex = <T extends readonly string[]>(names: T) =>
  z
    .number()
    .int()
    .min(0)
    .max(names.length - 1)
    .transform((index) => names[index] as T[number]);

const anyValue: z.ZodType<Value> = z.lazy(() =>
  z
    .object({
      stringValue: z.string().optional(),
      boolValue: z.boolean().optional(),
      intValue: int64.optional(),
      doubleValue: double.optional(),
      bytesValue: z.string().optional(),
      arrayValue: z.object({ values: z.array(anyValue).default([]) }).optional(),
      kvlistValue: z.object({ values: attributes }).optional(),
    })
    .transform(
      (v) =>
        v.stringValue ??
        v.boolValue ??
        v.intValue ??
        v.doubleValue ??
        v.bytesValue ??
        v.arrayValue?.values ??
        v.kvlistValue?.values ??
        null,
    ),
);
const attributes: z.ZodType<Attributes> = z.lazy(() =>
  z
    .array(z.object({ key: z.string(), value: anyValue.optional() }))
    .default([])
    .transform((pairs) => Object.fromEntries(pairs.map(({ key, value }) => [key, value ?? null]))),
);

const numberPoint = z
  .object({ attributes, timeUnixNano: nanos.optional(), asInt: int64.optional(), asDouble: double.optional() })
  .transform((p): MetricPoint => ({
    attributes: p.attributes,
    value: p.asInt ?? p.asDouble ?? null,
    time: iso(p.timeUnixNano),
  }));
const histogramPoint = z
  .object({
    attributes,
    timeUnixNano: nanos.optional(),
    count: int64.default(0),
    sum: double.optional(),
    min: double.optional(),
    max: double.optional(),
  })
  .transform((p): MetricPoint => ({
    attributes: p.attributes,
    value: { count: p.count, sum: p.sum ?? null, min: p.min ?? null, max: p.max ?? null },
    time: iso(p.timeUnixNano),
  }));
const points = (point: typeof numberPoint | typeof histogramPoint) =>
  z.object({ dataPoints: z.array(point).default([]) }).optional();

const metric = z
  .object({
    name: z.string().min(1),
    unit: z.string().default(''),
    gauge: points(numberPoint),
    sum: points(numberPoint),
    histogram: points(histogramPoint),
    exponentialHistogram: points(histogramPoint),
  })
  .transform((m, ctx): Metric => {
    const kind = metricKinds.find((candidate) => m[candidate]);
    if (!kind) {
      ctx.addIssue({ code: 'custom', message: `expected one of ${metricKinds.join(', ')}` });
      return z.NEVER;
    }
    return { name: m.name, kind, unit: m.unit, points: m[kind]?.dataPoints ?? [] };
  });

const span = z
  .object({
    traceId: id(16),
    spanId: id(8),
    parentSpanId: optionalId(8),
    name: z.string(),
    kind: enumIndex(spanKinds).default('unspecified'),
    startTimeUnixNano: nanos,
    endTimeUnixNano: nanos,
    attributes,
    status: z
      .object({ code: enumIndex(statusCodes).default('unset'), message: z.string().optional() })
      .default({ code: 'unset' }),
  })
  .transform((s): Span => ({
    name: s.name,
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    kind: s.kind,
    start: isoOf(s.startTimeUnixNano),
    end: isoOf(s.endTimeUnixNano),
    durationMs: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
    attributes: s.attributes,
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
  }));

const logRecord = z
  .object({
    timeUnixNano: nanos.optional(),
    observedTimeUnixNano: nanos.optional(),
    severityNumber: z.number().int().min(0).max(24).optional(),
    severityText: z.string().optional(),
    body: anyValue.optional(),
    traceId: optionalId(16),
    spanId: optionalId(8),
    attributes,
  })
  .transform((l): LogRecord => ({
    time: iso(l.timeUnixNano || l.observedTimeUnixNano),
    severity: l.severityText || (l.severityNumber ? (severities[Math.ceil(l.severityNumber / 4) - 1] ?? null) : null),
    body: l.body ?? null,
    traceId: l.traceId ?? null,
    spanId: l.spanId ?? null,
    attributes: l.attributes,
  }));

// The top-level list is required although proto3 may leave an empty one out: a body sent to the wrong signal's
// path then fails instead of being taken as an empty export.
export const metricsRequest = z
  .object({
    resourceMetrics: z.array(
      z.object({ scopeMetrics: z.array(z.object({ metrics: z.array(metric).default([]) })).default([]) }),
    ),
  })
  .transform((request) =>
    request.resourceMetrics.flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics)),
  );
export const tracesRequest = z
  .object({
    resourceSpans: z.array(
      z.object({ scopeSpans: z.array(z.object({ spans: z.array(span).default([]) })).default([]) }),
    ),
  })
  .transform((request) =>
    request.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
  );
export const logsRequest = z
  .object({
    resourceLogs: z.array(
      z.object({ scopeLogs: z.array(z.object({ logRecords: z.array(logRecord).default([]) })).default([]) }),
    ),
  })
  .transform((request) =>
    request.resourceLogs.flatMap((resource) => resource.scopeLogs.flatMap((scope) => scope.logRecords)),
  );
