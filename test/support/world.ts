import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { defaultRetention, type Config } from '../../shared/config.js';
import { createServices, type Services } from '../../shared/composition/index.js';
import { startAzureDouble, type AzureDouble } from '../../sandbox/double/index.js';
import { seedUnlinks } from '../../sandbox/history.js';
import { parseScenario } from '../../sandbox/scenario.js';
import { azuriteTables } from './tables.js';
import { monitorIdentity } from '../../sandbox/double/identity.js';

/** Table requests by table and kind, seen on the wire. */
export class TableTraffic {
  readonly writes: string[] = [];
  readonly policy: PipelinePolicy = {
    name: 'tableTraffic',
    sendRequest: (request, next) => {
      if (request.method !== 'GET') this.writes.push(`${request.method} ${new URL(request.url).pathname}`);
      return next(request);
    },
  };

  reset(): void {
    this.writes.length = 0;
  }
}

export interface World {
  double: AzureDouble;
  services: Services;
  tables: TableTraffic;
  stop(): Promise<void>;
}

export interface WorldOptions {
  double?: { latencyMs?: number; pageSize?: number; now?: Date };
  azurePolicies?: PipelinePolicy[];
  tablePolicies?: PipelinePolicy[];
}

/**
 * The monitor wired as in Azure, against Azurite and the Azure double seeded with `scenario`.
 * DefaultAzureCredential finds the double's managed identity endpoint through the App Service variables.
 */
export async function startWorld(
  scenario: unknown,
  overrides: Partial<Config> = {},
  options: WorldOptions = {},
): Promise<World> {
  const parsed = parseScenario(scenario);
  const double = await startAzureDouble({ scenario: parsed, ...options.double });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  const tables = new TableTraffic();
  const config: Config = {
    inventory: { source: 'azure', subscriptionIds: [double.subscriptionId] },
    armEndpoint: double.armEndpoint,
    powerPlatformEndpoint: double.powerPlatformEndpoint,
    powerPlatformScope: 'https://service.powerapps.com/.default',
    ...azuriteTables(),
    expiringWithinDays: 30,
    refusalQuietMinutes: 30,
    monitorClientId: monitorIdentity.clientId,
    scanSchedule: '0 0 * * * *',
    digestSchedule: null,
    scanConcurrency: 4,
    keyReads: 'auto',
    functionAppId: null,
    heartbeatUrl: null,
    auditLogs: true,
    alerts: {
      channels: [{ name: 'email', settings: { minSeverity: 'info' } }],
      mail: { kind: 'none' },
      from: null,
      keyvaultAdmins: [],
      powerplatformAdmins: [],
      monitorAdmins: [],
      thresholdsDays: [30, 14, 7, 3, 1],
      dashboardUrl: null,
    },
    retention: defaultRetention,
    ...overrides,
  };
  const services = createServices(config, {
    ca: double.ca,
    tablePolicies: [tables.policy, ...(options.tablePolicies ?? [])],
    azurePolicies: options.azurePolicies ?? [],
  });
  await seedUnlinks(parsed, (await services.stores()).links, new Date());
  return { double, services, tables, stop: () => double.stop() };
}
