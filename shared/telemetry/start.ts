import { z } from 'zod';

/** Where telemetry goes, chosen once at start-up from the app settings. */
export type TelemetryExport =
  | { to: 'azure-monitor'; connectionString: string; managedIdentityClientId: string | null }
  | { to: 'otlp'; endpoint: string; intervalMs: number }
  | { to: 'none'; reason: string };

const settings = z.object({
  TELEMETRY_EXPORTER: z.enum(['azure-monitor', 'otlp', 'none']).optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().trim().min(1).optional(),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z.string().trim().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(100).max(3_600_000).optional(),
});

/**
 * Reads the telemetry settings: `TELEMETRY_EXPORTER` when set, else Azure Monitor when Application Insights' connection
 * string is there, else OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is, else none. A bad setting turns telemetry off with
 * the reason: it never stops the app.
 */
export function telemetryExport(env: NodeJS.ProcessEnv): TelemetryExport {
  const parsed = settings.safeParse(env);
  if (!parsed.success)
    return {
      to: 'none',
      reason: `bad telemetry setting: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    };
  const read = parsed.data;
  const to =
    read.TELEMETRY_EXPORTER ??
    (read.APPLICATIONINSIGHTS_CONNECTION_STRING ? 'azure-monitor' : read.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none');
  switch (to) {
    case 'azure-monitor':
      if (!read.APPLICATIONINSIGHTS_CONNECTION_STRING)
        return {
          to: 'none',
          reason: 'TELEMETRY_EXPORTER is azure-monitor but APPLICATIONINSIGHTS_CONNECTION_STRING is not set',
        };
      return {
        to,
        connectionString: read.APPLICATIONINSIGHTS_CONNECTION_STRING,
        managedIdentityClientId: entraClientId(read.APPLICATIONINSIGHTS_AUTHENTICATION_STRING),
      };
    case 'otlp':
      if (!read.OTEL_EXPORTER_OTLP_ENDPOINT)
        return { to: 'none', reason: 'TELEMETRY_EXPORTER is otlp but OTEL_EXPORTER_OTLP_ENDPOINT is not set' };
      return { to, endpoint: read.OTEL_EXPORTER_OTLP_ENDPOINT, intervalMs: read.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000 };
    case 'none':
      return {
        to,
        reason:
          'no exporter set (APPLICATIONINSIGHTS_CONNECTION_STRING, OTEL_EXPORTER_OTLP_ENDPOINT or TELEMETRY_EXPORTER)',
      };
  }
}

/**
 * The client id of `Authorization=AAD;ClientId=<id>`, the setting the Functions host reads for Entra authentication to
 * Application Insights (learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication); the distro's exporter
 * takes the credential as an option instead, so the app passes it on. `''` means the system-assigned identity.
 */
function entraClientId(authentication: string | undefined): string | null {
  if (!authentication) return null;
  const pairs = new Map(
    authentication
      .split(';')
      .map((pair) => pair.split('=').map((part) => part.trim()) as [string, string?])
      .map(([k, v]) => [k.toLowerCase(), v ?? '']),
  );
  return pairs.get('authorization') === 'AAD' ? (pairs.get('clientid') ?? '') : null;
}

/**
 * Starts the OpenTelemetry SDK the settings choose, and points the Azure SDK clients' spans at it. Never throws: a
 * telemetry that cannot start is reported on `warn` and the monitor runs without it.
 */
export async function startTelemetry(
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void = console.warn,
): Promise<TelemetryExport> {
  const chosen = telemetryExport(env);
  try {
    if (chosen.to === 'azure-monitor') await startAzureMonitor(chosen);
    else if (chosen.to === 'otlp') await startOtlp(chosen);
    else if (env.TELEMETRY_EXPORTER !== 'none' && chosen.reason.startsWith('bad'))
      warn(`Telemetry off: ${chosen.reason}`);
    if (chosen.to !== 'none') await traceAzureClients();
    return chosen;
  } catch (error) {
    const reason = `could not start the ${chosen.to} exporter: ${error instanceof Error ? error.message : String(error)}`;
    warn(`Telemetry off: ${reason}`);
    return { to: 'none', reason };
  }
}

/**
 * The Azure Monitor distro, which "must be called before you import anything else"
 * (learn.microsoft.com/javascript/api/overview/azure/monitor-opentelemetry-readme): functions/index.ts awaits this
 * before it imports the functions. Its HTTP instrumentation stays off: the Azure SDK's own spans describe each
 * request, and a patched `http` would record the URLs of webhook channels, which are their secrets.
 */
async function startAzureMonitor(chosen: Extract<TelemetryExport, { to: 'azure-monitor' }>): Promise<void> {
  const [{ useAzureMonitor }, { ManagedIdentityCredential }] = await Promise.all([
    import('@azure/monitor-opentelemetry'),
    import('@azure/identity'),
  ]);
  const credential =
    chosen.managedIdentityClientId === null
      ? undefined
      : chosen.managedIdentityClientId
        ? new ManagedIdentityCredential({ clientId: chosen.managedIdentityClientId })
        : new ManagedIdentityCredential();
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: chosen.connectionString, ...(credential ? { credential } : {}) },
    instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: true } },
  });
}

/** OTLP over HTTP (JSON), to any OpenTelemetry collector; the sandbox's receiver is one. */
async function startOtlp(chosen: Extract<TelemetryExport, { to: 'otlp' }>): Promise<void> {
  const [
    { NodeSDK },
    { OTLPTraceExporter },
    { OTLPMetricExporter },
    { OTLPLogExporter },
    { PeriodicExportingMetricReader },
    { BatchLogRecordProcessor },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/exporter-logs-otlp-http'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/sdk-logs'),
  ]);
  const url = (signal: string) =>
    new URL(`v1/${signal}`, chosen.endpoint.endsWith('/') ? chosen.endpoint : `${chosen.endpoint}/`).href;
  const sdk = new NodeSDK({
    serviceName: 'cmk-monitor',
    traceExporter: new OTLPTraceExporter({ url: url('traces') }),
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: url('metrics') }),
        exportIntervalMillis: chosen.intervalMs,
      }),
    ],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: url('logs') }) })],
    instrumentations: [],
  });
  sdk.start();
  running = sdk;
}

let running: { shutdown(): Promise<void> } | undefined;

const flushWithinMs = 5_000;

/**
 * Sends the metrics and spans held so far, waiting at most five seconds. A timer's invocation ends with it: Flex
 * Consumption may take the instance away before the next minute's export, and the dead-man's switch counts the scans
 * that reached Application Insights.
 */
export async function flushTelemetry(): Promise<void> {
  const api = await import('@opentelemetry/api');
  const tracing = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
  const providers = [api.metrics.getMeterProvider(), tracing.getDelegate?.() ?? tracing] as {
    forceFlush?: () => Promise<void>;
  }[];
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(providers.map((provider) => provider.forceFlush?.() ?? Promise.resolve())),
    new Promise((resolve) => {
      timer = setTimeout(resolve, flushWithinMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Sends what the OTLP exporters hold, stops them, and lets go of the global providers: for a process about to end, and for tests. */
export async function stopTelemetry(): Promise<void> {
  const sdk = running;
  running = undefined;
  await sdk?.shutdown().catch(() => undefined); // What could not be sent is lost telemetry, nothing more.
  const [api, { logs }] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/api-logs')]);
  for (const global of [api.trace, api.metrics, api.propagation, api.context, logs]) global.disable();
}

/**
 * The Azure SDK clients trace through `@azure/core-tracing`, which the Azure SDK instrumentation patches when it is
 * `require`d. This app loads it as an ES module, which that patch never sees, so the instrumentation's own patch is
 * applied here to the module the clients share.
 */
async function traceAzureClients(): Promise<void> {
  const [{ createAzureSdkInstrumentation }, tracing] = await Promise.all([
    import('@azure/opentelemetry-instrumentation-azure-sdk'),
    import('@azure/core-tracing'),
  ]);
  const instrumentation = createAzureSdkInstrumentation() as Partial<ModuleInstrumentation>;
  if (typeof instrumentation.getModuleDefinitions !== 'function')
    throw new Error('the Azure SDK instrumentation no longer lists its module patches');
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(tracing);
}

/** What `InstrumentationBase` of `@opentelemetry/instrumentation` exposes and `Instrumentation` does not declare. */
interface ModuleInstrumentation {
  getModuleDefinitions(): { patch?: (moduleExports: object) => unknown }[];
}
