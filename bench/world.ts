import { defaultRetention, type Config } from '../shared/config.js';
import { startAzureDouble, type AzureDouble } from '../sandbox/double/index.js';
import { startAzurite, type Azurite } from '../sandbox/azurite.js';
import { parseScenario, type Scenario } from '../sandbox/scenario.js';
import { z } from 'zod';
import { benchScenario, defaultSize, type TenantSize } from './scenario.js';
import { startDoubleProcess, type DoubleEndpoints, type RemoteDouble } from './doubleProcess.js';
import { monitorIdentity } from '../sandbox/double/identity.js';
import { quick } from './quick.js';

/** The tenant of --quick: 10 policies, 200 environments. */
const quickSize: TenantSize = { vaults: 2, keysPerVault: 5 };
const size = quick ? quickSize : defaultSize;

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const benchSettings = z.object({
  BENCH_VAULTS: count(size.vaults, 200),
  BENCH_KEYS_PER_VAULT: count(size.keysPerVault, 100),
  BENCH_LATENCY_MS: z.coerce.number().int().min(0).max(1_000).default(5),
});

/**
 * The tenant and the latency of one bench run, from the environment (every part reads them, in a process of its own):
 * BENCH_VAULTS=50 BENCH_KEYS_PER_VAULT=20 BENCH_LATENCY_MS=40 npm run bench. They override --quick's tenant.
 */
const settings = (() => {
  const parsed = benchSettings.safeParse(
    Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) throw new Error(`Bench settings: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
})();

export const latencyMs = settings.BENCH_LATENCY_MS;
export const tenantSize: TenantSize = { vaults: settings.BENCH_VAULTS, keysPerVault: settings.BENCH_KEYS_PER_VAULT };

export interface BenchWorld {
  scenario: Scenario;
  azurite: Azurite;
  double: AzureDouble;
  /** The monitor's settings for this world, as the app settings would give them. */
  config: Config;
  stop(): Promise<void>;
}

/** Azurite and the Azure double serving the benchmark tenant with `latencyMs` added to every request. */
export function startBenchWorld(tablePrefix: string, scanConcurrency: number): Promise<BenchWorld> {
  return startWorldWith(tablePrefix, scanConcurrency, (scenario) => startAzureDouble({ scenario, latencyMs }));
}

export interface BenchWorldApart extends Omit<BenchWorld, 'double'> {
  double: RemoteDouble;
}

/** As startBenchWorld, with the double in a process of its own: this process's CPU and memory are the monitor's. */
export function startBenchWorldApart(tablePrefix: string, scanConcurrency: number): Promise<BenchWorldApart> {
  return startWorldWith(tablePrefix, scanConcurrency, () => startDoubleProcess(tenantSize, latencyMs));
}

async function startWorldWith<D extends DoubleEndpoints & { stop(): Promise<void> }>(
  tablePrefix: string,
  scanConcurrency: number,
  startDouble: (scenario: Scenario) => Promise<D>,
): Promise<Omit<BenchWorld, 'double'> & { double: D }> {
  const scenario = parseScenario(benchScenario(tenantSize));
  const [azurite, double] = await Promise.all([startAzurite(), startDouble(scenario)]);
  return {
    scenario,
    azurite,
    double,
    config: monitorConfig(double, azurite, tablePrefix, scanConcurrency),
    stop: async () => {
      await Promise.allSettled([double.stop(), azurite.stop()]);
    },
  };
}

function monitorConfig(
  double: DoubleEndpoints,
  azurite: Azurite,
  tablePrefix: string,
  scanConcurrency: number,
): Config {
  // DefaultAzureCredential (through MSAL) reads the managed identity settings once per process: set them first.
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  return {
    inventory: { source: 'azure', subscriptionIds: [double.subscriptionId] },
    armEndpoint: double.armEndpoint,
    powerPlatformEndpoint: double.powerPlatformEndpoint,
    powerPlatformScope: 'https://service.powerapps.com/.default',
    tables: { kind: 'connectionString', connectionString: azurite.connectionString },
    tablePrefix,
    expiringWithinDays: 30,
    refusalQuietMinutes: 30,
    monitorClientId: monitorIdentity.clientId,
    scanSchedule: '0 0 * * * *',
    digestSchedule: null,
    scanConcurrency,
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
  };
}
