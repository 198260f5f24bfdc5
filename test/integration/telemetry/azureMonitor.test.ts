import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import names from '../../../shared/telemetry/names.json' with { type: 'json' };
import { startIngestionDouble, type IngestionDouble } from '../../support/ingestion.js';

const run = fileURLToPath(new URL('../../support/azureMonitorRun.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

let ingestion: IngestionDouble;
let folder: string;

beforeAll(async () => {
  ingestion = await startIngestionDouble();
  folder = await mkdtemp(join(tmpdir(), 'cmk-ingestion-'));
  await writeFile(join(folder, 'ca.pem'), ingestion.ca);
});
afterAll(async () => {
  await ingestion?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe('telemetry to Application Insights (the Azure Monitor distro)', () => {
  it('reaches the ingestion endpoint as custom metrics named from the list, their attributes as properties, and spans under the host trace', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', run], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: join(folder, 'ca.pem'),
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${ingestion.endpoint}`,
        TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({ to: 'azure-monitor' });

    // customMetrics (AppMetrics in the workspace): the name, and each attribute a property the alert rules filter on.
    const metrics = ingestion.received
      .filter((item) => item.data.baseType === 'MetricData')
      .flatMap((item) =>
        (item.data.baseData.metrics as { name: string; value: number }[]).map((metric) => ({
          ...metric,
          properties: item.data.baseData.properties ?? {},
        })),
      )
      .filter((metric) => metric.name.startsWith('cmk_monitor.'));
    const listed = Object.values(names.metrics);
    for (const metric of metrics) {
      const entry = listed.find((candidate) => candidate.name === metric.name);
      expect(entry, metric.name).toBeDefined();
      expect(Object.keys(metric.properties).sort(), metric.name).toEqual([...entry!.attributes].sort());
    }
    expect(metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: names.metrics.scans.name, value: 1, properties: { outcome: 'success' } }),
        expect.objectContaining({
          name: names.metrics.oldestWaitingAlert.name,
          value: 0,
          properties: { channel: 'email' },
        }),
        expect.objectContaining({ name: names.metrics.lastSuccessfulScan.name, properties: {} }),
      ]),
    );

    // The invocation's span is in the operation the host started (its traceparent), so its logs sit beside it.
    const spans = ingestion.received.filter(
      (item) => item.data.baseType === 'RemoteDependencyData' || item.data.baseType === 'RequestData',
    );
    const invocation = spans.find((item) => item.data.baseData.name === names.spans.invocation);
    expect(invocation?.tags['ai.operation.id']).toBe(traceId);
    expect(invocation?.data.baseData.properties).toMatchObject({ 'faas.name': 'expiryScan' });
  });
});
