import { defaultRetention, type Config } from '../shared/config.js';
import { startAzureDouble, type AzureDouble } from '../sandbox/double/index.js';
import { startAzurite, type Azurite } from '../sandbox/azurite.js';
import { parseScenario, type Scenario } from '../sandbox/scenario.js';
import { benchScenario } from './scenario.js';

export const latencyMs = 5;

export interface BenchWorld {
  scenario: Scenario;
  azurite: Azurite;
  double: AzureDouble;
  /** The monitor's settings for this world, as the app settings would give them. */
  config: Config;
  stop(): Promise<void>;
}

/** Azurite and the Azure double serving the benchmark tenant with `latencyMs` added to every request. */
export async function startBenchWorld(tablePrefix: string, scanConcurrency: number): Promise<BenchWorld> {
  const scenario = parseScenario(benchScenario());
  const [azurite, double] = await Promise.all([startAzurite(), startAzureDouble({ scenario, latencyMs })]);
  // DefaultAzureCredential (through MSAL) reads the managed identity settings once per process: set them first.
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  const config: Config = {
    inventory: { source: 'azure', subscriptionIds: [double.subscriptionId] },
    armEndpoint: double.armEndpoint,
    powerPlatformEndpoint: double.powerPlatformEndpoint,
    powerPlatformScope: 'https://service.powerapps.com/.default',
    tables: { kind: 'connectionString', connectionString: azurite.connectionString },
    tablePrefix,
    expiringWithinDays: 30,
    scanConcurrency,
    keyReads: 'auto',
    functionAppId: null,
    alerts: { mail: { kind: 'none' }, from: null, keyvaultAdmins: [], powerplatformAdmins: [], thresholdsDays: [30, 14, 7, 3, 1], dashboardUrl: null },
    retention: defaultRetention,
  };
  return {
    scenario,
    azurite,
    double,
    config,
    stop: async () => {
      await Promise.allSettled([double.stop(), azurite.stop()]);
    },
  };
}
