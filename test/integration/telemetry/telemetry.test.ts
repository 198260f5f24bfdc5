import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../functions/definition.js';
import { createEventHandler } from '../../../functions/events.js';
import { observed } from '../../../functions/observed.js';
import { startTelemetryReceiver, type TelemetryReceiver } from '../../../sandbox/telemetry/receiver.js';
import { readHealth } from '../../../shared/application/views/statusQueries.js';
import names from '../../../shared/telemetry/names.json' with { type: 'json' };
import { startTelemetry, stopTelemetry } from '../../../shared/telemetry/start.js';
import { keyVaultEvent } from '../../support/eventPayloads.js';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { emailAlerts, startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from '../scan/scenario.js';

const principal = guid(501);

function scenario() {
  return {
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    vaults: [
      healthyVaultOf('kv-watch', [principal], [key('k-soon', [version(30, 10)]), key('k-later', [version(30, 300)])]),
    ],
    policies: [
      policy('cmk-k-soon', 'kv-watch', 'k-soon', principal),
      policy('cmk-k-later', 'kv-watch', 'k-later', principal),
    ],
    environments: [
      environment(guid(511), 'Expiring soon', 'cmk-k-soon'),
      environment(guid(512), 'Fine', 'cmk-k-later', 'Sandbox'),
    ],
  };
}

interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}
interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: Record<string, unknown>;
}

let sink: SmtpSink;
let world: World;
let receiver: TelemetryReceiver;

const context = (functionName: string, traceParent?: string) =>
  new InvocationContext({
    invocationId: `test-${functionName}`,
    functionName,
    logHandler: () => undefined,
    ...(traceParent ? { traceContext: { traceParent, traceState: '', attributes: {} } } : {}),
  });

beforeAll(async () => {
  sink = await startSmtpSink();
  world = await startWorld(scenario(), {
    alerts: emailAlerts(sink.port, {
      from: 'cmk-monitor@contoso.com',
      keyvaultAdmins: ['kv-admins@contoso.com'],
      powerplatformAdmins: ['pp-admins@contoso.com'],
    }),
  });
});
afterAll(async () => {
  await stopTelemetry();
  await world?.stop();
  await sink?.stop();
  await receiver?.close();
});

/** The timer's definition, run the way the Functions host runs it: observed, with the host's trace context. */
const scanTimer = () =>
  observed({
    trigger: 'timer',
    name: 'expiryScan',
    options: {
      schedule: '0 0 * * * *',
      handler: async () => void (await world.services.scanThenAlert(() => undefined)),
    },
  });
const runTimer = (definition: FunctionDefinition, traceParent: string) =>
  (definition as Extract<FunctionDefinition, { trigger: 'timer' }>).options.handler(
    {} as Timer,
    context(definition.name, traceParent),
  );

describe('telemetry', () => {
  it('a scan, an event and an alert delivery each leave their metrics and spans, with values /api/health agrees with', async () => {
    receiver = await startTelemetryReceiver();
    const started = await startTelemetry({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    });
    expect(started.to).toBe('otlp');

    const traceParent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await runTimer(scanTimer(), traceParent);
    expect(sink.received.length).toBeGreaterThan(0);
    // A timer's invocation sends its telemetry before it ends, a minute before the periodic export would.
    const flushed = (await (await fetch(`${receiver.url}/metrics`)).json()) as { metrics: Record<string, unknown> };
    expect(Object.keys(flushed.metrics)).toContain(names.metrics.scans.name);
    const event = observed({
      trigger: 'eventGrid',
      name: 'keyVaultEvents',
      options: { handler: createEventHandler(() => world.services) },
    });
    const nearExpiry = keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-watch', 'k-soon');
    await (event as Extract<FunctionDefinition, { trigger: 'eventGrid' }>).options.handler(
      nearExpiry,
      context('keyVaultEvents'),
    );
    await world.services.alert(() => undefined);
    await stopTelemetry();

    const { metrics } = (await (await fetch(`${receiver.url}/metrics`)).json()) as {
      metrics: Record<string, { points: Point[] }>;
    };
    const points = (key: keyof typeof names.metrics) => metrics[names.metrics[key].name]?.points ?? [];
    const valueOf = (key: keyof typeof names.metrics, attributes: Record<string, string> = {}) =>
      points(key).find((point) => Object.entries(attributes).every(([name, value]) => point.attributes[name] === value))
        ?.value;

    // Every metric received is on the list, with only the attributes the list gives it.
    const listed = new Map(Object.values(names.metrics).map((metric) => [metric.name, metric.attributes]));
    for (const [name, metric] of Object.entries(metrics).filter(([name]) => name.startsWith('cmk_monitor.'))) {
      expect(listed.has(name), name).toBe(true);
      for (const point of metric.points)
        expect(Object.keys(point.attributes).sort(), name).toEqual([...(listed.get(name) ?? [])].sort());
    }

    const health = await readHealth(await world.services.stores());
    for (const [status, count] of Object.entries(health.byStatus))
      expect(valueOf('environments', { status }), status).toBe(count);
    expect(valueOf('environments', { status: 'warning' })).toBe(1);
    expect(valueOf('findings', { rule: 'key-expiring' })).toBe(1);
    expect(valueOf('blindSpots', { code: 'links-not-seen' })).toBe(0);
    expect(valueOf('scans', { outcome: 'success' })).toBe(1);
    expect(valueOf('scanDuration', { outcome: 'success' })).toMatchObject({ count: 1 });
    expect(valueOf('lastSuccessfulScan')).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(valueOf('deliveries', { channel: 'email', outcome: 'sent' })).toBe(sink.received.length);
    expect(valueOf('alertsWaiting', { channel: 'email' })).toBe(0);
    expect(valueOf('oldestWaitingAlert', { channel: 'email' })).toBe(0);
    expect(valueOf('events', { function: 'keyVaultEvents', outcome: 'processed' })).toBe(1);
    expect(valueOf('eventLatency', { function: 'keyVaultEvents' })).toMatchObject({ count: 1 });
    expect(valueOf('invocations', { function: 'expiryScan', outcome: 'success' })).toBe(1);
    expect(valueOf('invocations', { function: 'keyVaultEvents', outcome: 'success' })).toBe(1);
    for (const service of ['arm', 'powerplatform', 'storage'])
      expect(valueOf('azureRequests', { service, status_class: '2xx' }), service).toBeGreaterThan(0);

    const { spans } = (await (await fetch(`${receiver.url}/traces`)).json()) as { spans: ReceivedSpan[] };
    const named = (name: string) => spans.filter((span) => span.name === name);
    const [invocation] = named(names.spans.invocation);
    const [scan] = named(names.spans.scan);
    // Under the host's trace: its logs and these spans share the trace id.
    expect(invocation).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: 'b7ad6b7169203331',
      attributes: { 'faas.name': 'expiryScan' },
    });
    expect(scan).toMatchObject({ traceId: invocation!.traceId, parentSpanId: invocation!.spanId });
    // The Azure SDK clients' own spans sit under the scan.
    const sdkSpans = spans.filter((span) => span.parentSpanId === scan!.spanId && span.name !== names.spans.scan);
    expect(sdkSpans.length).toBeGreaterThan(0);
    expect(named(names.spans.alertDelivery).length).toBe(sink.received.length);
    expect(named(names.spans.event)).toHaveLength(1);
    // No token, key or secret in any attribute.
    const attributes = JSON.stringify(spans.map((span) => span.attributes));
    expect(attributes).not.toMatch(/Bearer|sig=|AccountKey|password/i);
  });

  it('loses only telemetry when the receiver is down: scans and alerts go on', async () => {
    receiver = await startTelemetryReceiver();
    const { url } = receiver;
    await receiver.close();
    const warnings: string[] = [];
    expect(
      (
        await startTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_METRIC_EXPORT_INTERVAL: '100' }, (message) =>
          warnings.push(message),
        )
      ).to,
    ).toBe('otlp');
    const before = sink.received.length;
    world.double.state.disableKeyVersion('kv-watch', 'k-later', 0);
    await runTimer(scanTimer(), '00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const health = await readHealth(await world.services.stores());
    expect(health).toMatchObject({ status: 'ok', environments: 2, byStatus: { outage: 1, warning: 1 } });
    expect(sink.received.length).toBeGreaterThan(before);
    expect(health.alerts.waiting).toBe(0);
    await expect(stopTelemetry()).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('turns telemetry off with the reason when a setting is bad, and the monitor runs without it', async () => {
    const warnings: string[] = [];
    const started = await startTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, (message) =>
      warnings.push(message),
    );
    expect(started).toMatchObject({ to: 'none' });
    expect(warnings).toEqual([
      expect.stringMatching(/^Telemetry off: bad telemetry setting: OTEL_EXPORTER_OTLP_ENDPOINT/),
    ]);
    const summary = await world.services.scan(() => undefined);
    expect(summary.environments).toBe(2);
  });
});
