import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appWithEntry,
  buildProductionApp,
  loadApp,
  type LoadReport,
  type ProductionApp,
  type RegisteredFunction,
} from '../../support/productionApp.js';

// What the Functions host is told about each function when the compiled entry (package.json "main") loads in a
// fresh process, as the Node.js worker loads it: @azure/functions-core is the worker's, stood in for by
// test/support/functionsCore.mjs.

const everyMethod = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const timer = (name: string, schedule: string) => ({
  name,
  bindings: [{ type: 'timerTrigger', direction: 'in', schedule }],
});
const eventGrid = (name: string) => ({ name, bindings: [{ type: 'eventGridTrigger', direction: 'in' }] });
const http = (name: string, route: string) => ({
  name,
  bindings: [
    { type: 'httpTrigger', direction: 'in', authLevel: 'function', route, methods: everyMethod },
    { type: 'http', direction: 'out', return: true },
  ],
});

const api = [
  http('health', 'health'),
  http('environments', 'environments'),
  http('environment', 'environments/{id}'),
  http('scan', 'scan'),
  http('alerts', 'alerts'),
  http('dashboard', 'dashboard/{page?}'),
  http('whatIf', 'what-if'),
  http('testAlert', 'test-alert'),
];
const events = [
  eventGrid('keyVaultEvents'),
  eventGrid('resourceEvents'),
  {
    name: 'keyVaultAuditEvents',
    bindings: [
      {
        type: 'eventHubTrigger',
        direction: 'in',
        connection: 'AuditEvents',
        eventHubName: 'keyvault-audit',
        cardinality: 'many',
      },
    ],
  },
];

/** A function as the host sees it, without the generated binding names and the library's binding properties. */
function shape({ name, bindings }: RegisteredFunction) {
  return {
    name,
    bindings: Object.entries(bindings).map(([key, { name: _name, properties: _properties, ...binding }]) =>
      key === '$return' ? { ...binding, return: true } : binding,
    ),
  };
}

async function load(env: Record<string, string>): Promise<LoadReport> {
  const result = await loadApp(app.directory, env);
  if (!result.ok) throw new Error(`The entry failed to load (exit ${result.exitCode}):\n${result.stderr}`);
  return result.report;
}

let app: ProductionApp;

beforeAll(async () => {
  app = await buildProductionApp();
}, 60_000);
afterAll(async () => {
  await app?.remove();
});

describe('the compiled entry, loaded as the Functions worker loads it', () => {
  it('registers every function with no app settings at all', async () => {
    const report = await load({});

    expect(report.programmingModels).toEqual([
      { name: '@azure/functions', version: expect.stringMatching(/^4\./) as unknown },
    ]);
    expect(report.functions.map(shape)).toEqual([
      timer('expiryScan', '%SCAN_SCHEDULE%'),
      timer('alertDelivery', '0 */5 * * * *'),
      timer('alertDigest', '%ALERT_DIGEST_SCHEDULE%'),
      timer('retention', '0 30 3 * * *'),
      ...events,
      ...api,
    ]);
    expect(report.functions.every((registered) => registered.handler === 'function')).toBe(true);
  });

  it('registers every function with telemetry on, whether it starts or cannot', async () => {
    const all = (await load({})).functions.map(shape);
    // The Azure Monitor distro starts first; its exporter's endpoint is unreachable, which loses telemetry only.
    const exporting = await load({
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        'InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://127.0.0.1:9/',
    });
    expect(exporting.functions.map(shape)).toEqual(all);
    const otlp = await load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(otlp.functions.map(shape)).toEqual(all);
    const bad = await load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', TELEMETRY_EXPORTER: 'otlp' });
    expect(bad.functions.map(shape)).toEqual(all);
  });

  it('retries a failed batch of audit records before the Event Hub checkpoint moves on', async () => {
    const report = await load({});
    const audit = report.functions.find((registered) => registered.name === 'keyVaultAuditEvents') as unknown as {
      retryOptions?: unknown;
    };
    expect(audit.retryOptions).toMatchObject({
      retryStrategy: 'exponentialBackoff',
      maxRetryCount: 8,
      minimumInterval: { seconds: 10 },
      maximumInterval: { seconds: 600 },
    });
  });

  it('leaves the schedules to the host, which reads them from the app settings, whatever the environment holds at load', async () => {
    const report = await load({ SCAN_SCHEDULE: '0 */30 * * * *', ALERT_DIGEST_SCHEDULE: '0 0 7 * * *' });
    const schedules = report.functions.filter(({ name }) => name === 'expiryScan' || name === 'alertDigest').map(shape);
    expect(schedules).toEqual([
      timer('expiryScan', '%SCAN_SCHEDULE%'),
      timer('alertDigest', '%ALERT_DIGEST_SCHEDULE%'),
    ]);
  });

  it('puts every HTTP function behind a function key', async () => {
    const report = await load({});
    const httpTriggers = report.functions.flatMap(({ name, bindings }) =>
      Object.values(bindings)
        .filter((binding) => binding.type === 'httpTrigger')
        .map((binding) => [name, binding.authLevel]),
    );

    expect(httpTriggers).toHaveLength(api.length);
    expect(httpTriggers.filter(([, authLevel]) => authLevel !== 'function')).toEqual([]);
  });

  it('reports an entry that throws at import', async () => {
    const broken = await appWithEntry(`throw new Error('broken at import');`);
    try {
      const result = await loadApp(broken.directory);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.stderr).toContain('broken at import');
    } finally {
      await broken.remove();
    }
  });
});
