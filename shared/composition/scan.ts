import type { Config } from '../config.js';
import { scanThenAlert } from '../application/scanThenAlert.js';
import { scanFailed, type BlindSpot } from '../application/sight.js';
import { scan, type ScanSummary } from '../application/scan.js';
import type { Truth } from '../application/ports/truth.js';
import { ping } from '../adapters/heartbeat.js';
import { quote } from '../text/logText.js';
import { inSpan } from '../telemetry/instruments.js';
import { reportBlindSpots, reportScan, reportStatuses } from '../telemetry/report.js';
import type { AlertingServices } from './alerting.js';
import { coverageReader, inventorySource, type AzureClients } from './azure.js';
import { ruleOptionsOf } from './rules.js';
import type { Log, Services } from './services.js';
import type { Stores } from './stores.js';

/** The scan: the inventory, the truth behind it, the vaults' event subscriptions; then the alerts it calls for. */
export function scanServices(
  config: Config,
  azure: AzureClients,
  truth: () => Truth,
  stores: () => Promise<Stores>,
  alerting: Pick<AlertingServices, 'alert' | 'sight'>,
): Pick<Services, 'scan' | 'scanThenAlert'> {
  const inventory = inventorySource(config, azure);
  const coverage = coverageReader(config, azure);
  const ruleOptions = ruleOptionsOf(config);
  const scanOnce = async (log: Log, now?: Date): Promise<ScanSummary> =>
    inSpan('scan', {}, async () => {
      const started = Date.now();
      try {
        const summary = await scan(
          {
            ...(await stores()),
            inventory,
            truth,
            ruleOptions,
            concurrency: config.scanConcurrency,
            log,
            throttled: () => azure.throttles.total(),
            ...(coverage ? { eventCoverage: (vaultIds: string[]) => coverage.read(vaultIds) } : {}),
          },
          now,
        );
        reportScan('success', Date.now() - started, new Date());
        reportBlindSpots(summary.blindSpots);
        return summary;
      } catch (error) {
        reportScan('failure', Date.now() - started, new Date());
        reportBlindSpots([scanFailed(error)]);
        throw error;
      }
    });
  const heartbeat = async (log: Log) => (config.heartbeatUrl ? ping(config.heartbeatUrl, log) : undefined);
  return {
    scan: scanOnce,
    async scanThenAlert(log) {
      const steps = {
        scan: (log: Log) => scanOnce(log),
        alert: (log: Log) => alerting.alert(log),
        sight: (spots: BlindSpot[]) => alerting.sight(spots),
        heartbeat,
      };
      const run = await scanThenAlert(steps, log);
      await stores()
        .then(async (current) =>
          reportStatuses([...(await current.statuses.list()).values()].map(({ value }) => value)),
        )
        .catch((error: unknown) => log(`Status metrics not reported: ${quote(String(error))}`));
      return run;
    },
  };
}
