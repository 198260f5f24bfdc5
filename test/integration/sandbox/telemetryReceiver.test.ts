/**
 * The sandbox's telemetry receiver, fed by the real OTLP/HTTP exporters configured as `npm start` configures the
 * function host (OTEL_EXPORTER_OTLP_ENDPOINT, the exporters adding /v1/<signal>), and refusing what it cannot read.
 */
import { gzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTelemetryReceiver, type TelemetryReceiver } from '../../../sandbox/telemetry/receiver.js';

let receiver: TelemetryReceiver;

beforeAll(async () => {
  receiver = await startTelemetryReceiver();
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.url);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await receiver?.close();
});
beforeEach(async () => {
  expect((await fetch(`${receiver.url}/`, { method: 'DELETE' })).status).toBe(200);
});

const get = async (path: string) => (await fetch(`${receiver.url}${path}`)).json() as Promise<Record<string, unknown>>;
const post = (
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => fetch(`${receiver.url}${path}`, { method: 'POST', body, headers });
async function answer(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}
const isoTime: unknown = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('metrics from the OTLP/HTTP metric exporter', () => {
  it('shows a counter, a gauge and a histogram with the last value of each attribute set', async () => {
    const provider = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 60_000 }),
      ],
    });
    const meter = provider.getMeter('cmk-monitor');
    const scans = meter.createCounter('cmk_monitor.scans', { unit: '{scan}' });
    const environments = meter.createGauge('cmk_monitor.environments', { unit: '{environment}' });
    const duration = meter.createHistogram('cmk_monitor.scan.duration', { unit: 's' });
    try {
      scans.add(1, { outcome: 'success' });
      scans.add(1, { outcome: 'failure' });
      environments.record(6, { status: 'healthy' });
      environments.record(8, { status: 'critical' });
      duration.record(0.5, { outcome: 'success' });
      await provider.forceFlush();
      scans.add(2, { outcome: 'success' });
      environments.record(5, { status: 'critical' });
      duration.record(1.5, { outcome: 'success' });
      await provider.forceFlush();
    } finally {
      await provider.shutdown();
    }

    const point = (attributes: Record<string, string>, value: unknown) => ({ attributes, value, time: isoTime });
    expect(await get('/metrics')).toEqual({
      metrics: {
        'cmk_monitor.scans': {
          kind: 'sum',
          unit: '{scan}',
          points: [point({ outcome: 'success' }, 3), point({ outcome: 'failure' }, 1)],
        },
        'cmk_monitor.environments': {
          kind: 'gauge',
          unit: '{environment}',
          points: [point({ status: 'healthy' }, 6), point({ status: 'critical' }, 5)],
        },
        'cmk_monitor.scan.duration': {
          kind: 'histogram',
          unit: 's',
          points: [point({ outcome: 'success' }, { count: 2, sum: 2, min: 0.5, max: 1.5 })],
        },
      },
    });
  });

  it('reads 64-bit integers written as strings, and takes one attribute set in another order as the same point', async () => {
    const sum = (attributes: { key: string; value: object }[], asInt: string) => ({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'requests',
                  unit: '1',
                  sum: { dataPoints: [{ attributes, asInt, timeUnixNano: '1772366400000000000' }] },
                },
              ],
            },
          ],
        },
      ],
    });
    const service = { key: 'service', value: { stringValue: 'arm' } };
    const code = { key: 'code', value: { intValue: '429' } };
    expect(await answer(await post('/v1/metrics', JSON.stringify(sum([service, code], '7'))))).toEqual({
      status: 200,
      body: {},
    });
    expect(await answer(await post('/v1/metrics', JSON.stringify(sum([code, service], '9'))))).toEqual({
      status: 200,
      body: {},
    });

    expect(await get('/metrics')).toEqual({
      metrics: {
        requests: {
          kind: 'sum',
          unit: '1',
          points: [{ attributes: { service: 'arm', code: 429 }, value: 9, time: '2026-03-01T12:00:00.000Z' }],
        },
      },
    });
  });
});

describe('spans from the OTLP/HTTP trace exporter', () => {
  it('shows each span with its parent, kind, times, attributes and status, newest last', async () => {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter())] });
    const tracer = provider.getTracer('cmk-monitor');
    const scan = tracer.startSpan('cmk_monitor.scan', { attributes: { trigger: 'timer' } });
    const call = tracer.startSpan(
      'GET vaults',
      { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 429, retried: true } },
      trace.setSpan(context.active(), scan),
    );
    call.setStatus({ code: SpanStatusCode.ERROR, message: 'throttled' });
    call.end();
    scan.setStatus({ code: SpanStatusCode.OK });
    scan.end();
    await provider.forceFlush();
    await provider.shutdown();

    const { spans } = (await get('/traces')) as { spans: { start: string; end: string; durationMs: number }[] };
    const { traceId, spanId } = scan.spanContext();
    expect(spans).toEqual([
      {
        name: 'GET vaults',
        traceId,
        spanId: call.spanContext().spanId,
        parentSpanId: spanId,
        kind: 'client',
        start: isoTime,
        end: isoTime,
        durationMs: expect.any(Number) as unknown,
        attributes: { 'http.response.status_code': 429, retried: true },
        status: { code: 'error', message: 'throttled' },
      },
      {
        name: 'cmk_monitor.scan',
        traceId,
        spanId,
        parentSpanId: null,
        kind: 'internal',
        start: isoTime,
        end: isoTime,
        durationMs: expect.any(Number) as unknown,
        attributes: { trigger: 'timer' },
        status: { code: 'ok' },
      },
    ]);
    for (const span of spans) {
      expect(span.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(span.end) - Date.parse(span.start)).toBeCloseTo(span.durationMs, -1);
    }
  });

  it('takes a gzip body, as the exporter sends with OTEL_EXPORTER_OTLP_COMPRESSION=gzip', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_COMPRESSION', 'gzip');
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter())] });
    vi.stubEnv('OTEL_EXPORTER_OTLP_COMPRESSION', undefined);
    provider.getTracer('cmk-monitor').startSpan('compressed').end();
    await provider.forceFlush();
    await provider.shutdown();

    expect(await get('/traces')).toMatchObject({ spans: [{ name: 'compressed' }] });
    const ids = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    };
    const body = gzipSync(
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...ids, name: 'by hand' }] }] }] }),
    );
    expect(
      (await post('/v1/traces', body, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status,
    ).toBe(200);
    expect(await get('/traces')).toMatchObject({ spans: [{ name: 'compressed' }, { name: 'by hand' }] });
  });

  it('keeps the last 1,000 spans', async () => {
    const spans = Array.from({ length: 1005 }, (_, i) => ({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: i.toString(16).padStart(16, '0'),
      name: `span ${i}`,
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    }));
    expect(
      (await post('/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: spans.slice(0, 3) }] }] })))
        .status,
    ).toBe(200);
    expect(
      (await post('/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: spans.slice(3) }] }] })))
        .status,
    ).toBe(200);

    const kept = ((await get('/traces')) as { spans: { name: string }[] }).spans.map((span) => span.name);
    expect(kept).toHaveLength(1000);
    expect([kept[0], kept.at(-1)]).toEqual(['span 5', 'span 1004']);
  });
});

describe('log records from the OTLP/HTTP log exporter', () => {
  it('shows each record with its severity, body, attributes and the trace it was written in', async () => {
    const provider = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter() })],
    });
    const logger = provider.getLogger('cmk-monitor');
    const span = new BasicTracerProvider().getTracer('cmk-monitor').startSpan('cmk_monitor.alert_delivery');
    logger.emit({
      severityNumber: SeverityNumber.WARN,
      body: 'delivery failed',
      attributes: { channel: 'slack' },
      context: trace.setSpan(context.active(), span),
    });
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'error',
      body: { vault: 'kv-contoso-cmk-eu', attempts: 3, keys: ['pp-key'] },
    });
    await provider.forceFlush();
    await provider.shutdown();

    expect(await get('/logs')).toEqual({
      logs: [
        {
          time: isoTime,
          severity: 'WARN',
          body: 'delivery failed',
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
          attributes: { channel: 'slack' },
        },
        {
          time: isoTime,
          severity: 'error',
          body: { vault: 'kv-contoso-cmk-eu', attempts: 3, keys: ['pp-key'] },
          traceId: null,
          spanId: null,
          attributes: {},
        },
      ],
    });
  });
});

describe('what the receiver refuses', () => {
  const metric = (extra: object) => ({ name: 'cmk_monitor.scans', unit: '{scan}', ...extra });
  const deep = `${'{"arrayValue":{"values":['.repeat(20_000)}{"stringValue":"bottom"}${']}}'.repeat(20_000)}`;

  it.each([
    ['a body that is not JSON', '/v1/metrics', '{"resourceMetrics": [', /^the body is not JSON \(/],
    [
      'a request for another signal',
      '/v1/logs',
      JSON.stringify({ resourceSpans: [] }),
      'resourceLogs: Invalid input: expected array, received undefined',
    ],
    [
      'a trace id in base64, not hex',
      '/v1/traces',
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: 'CvdlGRbNQ92ESOshHIAxnA==',
                    spanId: 'b7ad6b7169203331',
                    name: 'x',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                ],
              },
            ],
          },
        ],
      }),
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits',
    ],
    [
      'a metric without data, after one with',
      '/v1/metrics',
      JSON.stringify({
        resourceMetrics: [
          { scopeMetrics: [{ metrics: [metric({ sum: { dataPoints: [{ asInt: 1 }] } }), metric({})] }] },
        ],
      }),
      'resourceMetrics[0].scopeMetrics[0].metrics[1]: expected one of gauge, sum, histogram, exponentialHistogram',
    ],
    [
      'a value that is not a number',
      '/v1/metrics',
      JSON.stringify({
        resourceMetrics: [{ scopeMetrics: [{ metrics: [metric({ gauge: { dataPoints: [{ asInt: 'many' }] } })] }] }],
      }),
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asInt: expected an integer, as a number or a decimal string',
    ],
    [
      'a body nested 20,000 deep',
      '/v1/logs',
      `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${deep}}]}]}]}`,
      'the body nests too deeply to read',
    ],
  ])('refuses %s with 400 and the reason, and keeps nothing of it', async (_name, path, body, reason) => {
    const { status, body: refusal } = await answer(await post(path, body));
    expect(status).toBe(400);
    expect((refusal as { message: string }).message).toMatch(reason);
    expect([await get('/metrics'), await get('/traces'), await get('/logs')]).toEqual([
      { metrics: {} },
      { spans: [] },
      { logs: [] },
    ]);
  });

  it('refuses protobuf with 415, naming the protocol to set', async () => {
    const refusal = await answer(
      await post('/v1/traces', Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' }),
    );
    expect(refusal).toEqual({
      status: 415,
      body: {
        message:
          'this receiver takes OTLP/HTTP JSON only (Content-Type: application/json; got application/x-protobuf): set OTEL_EXPORTER_OTLP_PROTOCOL=http/json',
      },
    });
  });

  it('refuses a body over 5 MB with 413', async () => {
    expect(await answer(await post('/v1/logs', `{"resourceLogs":[],"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`))).toEqual({
      status: 413,
      body: { message: 'the body is over 5 MB' },
    });
  });

  it('answers 404 for an unknown path and 405 for another method', async () => {
    expect(await answer(await fetch(`${receiver.url}/v1/profiles`, { method: 'POST' }))).toMatchObject({
      status: 404,
      body: { message: expect.stringContaining('POST /v1/metrics') as unknown },
    });
    const wrongMethod = await fetch(`${receiver.url}/metrics`, { method: 'DELETE' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('forgets everything on DELETE /', async () => {
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'x',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    };
    await post('/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }));
    expect(await get('/traces')).toMatchObject({ spans: [{ name: 'x' }] });
    await fetch(`${receiver.url}/`, { method: 'DELETE' });
    expect(await get('/traces')).toEqual({ spans: [] });
  });
});
