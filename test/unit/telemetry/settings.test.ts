import { describe, expect, it } from 'vitest';
import { telemetryExport } from '../../../shared/telemetry/start.js';

const connectionString =
  'InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';

describe('telemetry settings', () => {
  it('send to Application Insights when its connection string is set, with the managed identity its authentication string names', () => {
    expect(
      telemetryExport({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=11111111-2222-4333-8444-555555555555;Authorization=AAD',
      }),
    ).toEqual({
      to: 'azure-monitor',
      connectionString,
      managedIdentityClientId: '11111111-2222-4333-8444-555555555555',
    });
    expect(
      telemetryExport({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
      }),
    ).toMatchObject({ managedIdentityClientId: '' });
    expect(telemetryExport({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString })).toMatchObject({
      managedIdentityClientId: null,
    });
  });

  it('send over OTLP when only an OTLP endpoint is set, or when TELEMETRY_EXPORTER says so', () => {
    expect(telemetryExport({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({
      to: 'otlp',
      endpoint: 'http://127.0.0.1:4318',
      intervalMs: 60_000,
    });
    expect(
      telemetryExport({
        TELEMETRY_EXPORTER: 'otlp',
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.contoso.com',
        OTEL_METRIC_EXPORT_INTERVAL: '5000',
      }),
    ).toEqual({
      to: 'otlp',
      endpoint: 'https://collector.contoso.com',
      intervalMs: 5000,
    });
  });

  it('turn telemetry off, saying why, when nothing is set, a setting is bad, or the chosen exporter lacks its setting', () => {
    expect(telemetryExport({})).toMatchObject({
      to: 'none',
      reason: expect.stringContaining('no exporter set') as unknown,
    });
    expect(telemetryExport({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatchObject({
      to: 'none',
      reason: expect.stringContaining('OTEL_EXPORTER_OTLP_ENDPOINT') as unknown,
    });
    expect(telemetryExport({ TELEMETRY_EXPORTER: 'zipkin' })).toMatchObject({
      to: 'none',
      reason: expect.stringContaining('TELEMETRY_EXPORTER') as unknown,
    });
    expect(telemetryExport({ TELEMETRY_EXPORTER: 'azure-monitor' })).toMatchObject({
      to: 'none',
      reason: expect.stringContaining('APPLICATIONINSIGHTS_CONNECTION_STRING is not set') as unknown,
    });
    expect(
      telemetryExport({ TELEMETRY_EXPORTER: 'none', APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString }),
    ).toMatchObject({ to: 'none' });
  });

  it('never repeat a setting’s value in the reason: a connection string or an endpoint can carry a key', () => {
    const { reason } = telemetryExport({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://secret-token@collector',
      OTEL_METRIC_EXPORT_INTERVAL: 'soon',
    }) as { reason: string };
    expect(reason).not.toContain('secret-token');
    expect(reason).toContain('OTEL_METRIC_EXPORT_INTERVAL');
  });
});
