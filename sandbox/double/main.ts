/**
 * Runs the Azure double as its own process:
 *   tsx sandbox/double/main.ts [--scenario FILE] [--latency-ms N] [--page-size N]
 *     [--events URL [--event-schema EventGridSchema|CloudEventSchemaV1_0]]
 *     [--audit URL [--audit-delay-ms N]] [--power-platform-calls-ms N]
 * Prints one JSON line with the endpoints, the CA and the identity settings; stops on SIGTERM / SIGINT.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseScenario } from '../scenario.js';
import { startAzureDouble, type EventSchema } from './index.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    'latency-ms': { type: 'string' },
    'page-size': { type: 'string' },
    events: { type: 'string' },
    'event-schema': { type: 'string' },
    audit: { type: 'string' },
    'audit-delay-ms': { type: 'string' },
    'power-platform-calls-ms': { type: 'string' },
  },
});

const schemas: readonly EventSchema[] = ['EventGridSchema', 'CloudEventSchemaV1_0'];
const schema = schemas.find((name) => name === values['event-schema']);
if (values['event-schema'] !== undefined && !schema) {
  console.error(`Azure double: --event-schema must be one of ${schemas.join(', ')}`);
  process.exit(1);
}

const file = values.scenario ?? fileURLToPath(new URL('../scenarios/demo.json', import.meta.url));

try {
  const scenario = parseScenario(JSON.parse(await readFile(file, 'utf8')));
  const double = await startAzureDouble({
    scenario,
    ...(values['latency-ms'] !== undefined && { latencyMs: Number(values['latency-ms']) }),
    ...(values['page-size'] !== undefined && { pageSize: Number(values['page-size']) }),
    ...(values.events !== undefined && { events: { url: values.events, ...(schema && { schema }) } }),
    ...(values.audit !== undefined && {
      audit: {
        url: values.audit,
        ...(values['audit-delay-ms'] !== undefined && { delayMs: Number(values['audit-delay-ms']) }),
      },
    }),
    ...(values['power-platform-calls-ms'] !== undefined && {
      powerPlatformCallsEveryMs: Number(values['power-platform-calls-ms']),
    }),
  });
  const stop = () => {
    double.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(
    `${JSON.stringify({
      armEndpoint: double.armEndpoint,
      powerPlatformEndpoint: double.powerPlatformEndpoint,
      vaultUris: double.vaultUris,
      identityEndpoint: double.identityEndpoint,
      identityHeader: double.identityHeader,
      tenantId: double.tenantId,
      subscriptionId: double.subscriptionId,
      ca: double.ca,
    })}\n`,
  );
} catch (error) {
  console.error(`Azure double: ${error instanceof Error ? error.message : String(error)} (scenario ${file})`);
  process.exit(1);
}
