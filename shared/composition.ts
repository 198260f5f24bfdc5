import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { loadConfig, type Config } from './config.js';
import { AzureInventory } from './adapters/azure/inventory/azureInventory.js';
import { AzureRestReader } from './adapters/azure/inventory/azureRest.js';
import { FileInventory } from './adapters/azure/inventory/fileInventory.js';
import type { InventorySource } from './application/ports/inventory.js';
import type { EnvironmentStatus } from './domain/environmentStatus.js';
import { hintKey, type ChainHint } from './application/hint.js';
import { alert, queueDigest, type AlertingDependencies, type AlertRun } from './application/alerting.js';
import { scanThenAlert } from './application/scanThenAlert.js';
import { scanFailed, type BlindSpot } from './application/sight.js';
import { tellSight } from './application/sightAlerts.js';
import { whatIf, type WhatIfResult } from './application/whatIf.js';
import { sendTestAlert, type TestAlertResult } from './application/testAlert.js';
import type { Change } from './domain/whatIf/changes.js';
import { scheduleIntervalMs } from './schedule.js';
import { coalesce } from './application/coalesce.js';
import { LastInventory } from './application/lastInventory.js';
import { openChannels } from './adapters/channels/index.js';
import type { Channel } from './application/ports/notifier.js';
import { reevaluate, type Reevaluation } from './application/reevaluate.js';
import { rejudge, type Rejudgement } from './application/rejudge.js';
import { trimStores, type Trimmed } from './application/retention.js';
import { scan, type ScanSummary } from './application/scan.js';
import { defaultRuleOptions, type RuleOptions } from './domain/rules/rule.js';
import { patientThrottling, ThrottleCounter, type AzureService } from './adapters/azure/throttling.js';
import { AlertStore } from './adapters/tables/alertStore.js';
import { IncidentLedger } from './adapters/tables/incidentLedger.js';
import { RefusalStore } from './adapters/tables/refusalStore.js';
import { handleAuditBatch, type AuditBatchResult, type AuditDelivery } from './application/auditBatch.js';
import { EventStore } from './adapters/tables/eventStore.js';
import { InventoryStore } from './adapters/tables/inventoryStore.js';
import { ChainStore } from './adapters/tables/chainStore.js';
import { ScanStore } from './adapters/tables/scanStore.js';
import { StatusStore } from './adapters/tables/statusStore.js';
import { openTables } from './adapters/tables/tables.js';
import { AccessReader, authorizationClients } from './adapters/azure/truth/accessReader.js';
import { ArmKeyReader } from './adapters/azure/truth/armKeyReader.js';
import { EventCoverageReader } from './adapters/azure/truth/eventCoverage.js';
import { KeyReader } from './adapters/azure/truth/keyReader.js';
import { keyReads } from './adapters/azure/truth/keyReads.js';
import type { Truth } from './application/ports/truth.js';
import { VaultReader } from './adapters/azure/truth/vaultReader.js';
import { ping } from './adapters/heartbeat.js';
import { quote } from './text/logText.js';
import { inSpan } from './telemetry/instruments.js';
import { observedChannel } from './telemetry/observedChannel.js';
import { reportAuditSilence, reportBlindSpots, reportScan, reportStatuses, reportWaiting } from './telemetry/report.js';

/** What differs between Azure and a local run beyond the settings: an extra trusted CA, extra pipeline policies. */
export interface Wiring {
  credential?: TokenCredential;
  ca?: string;
  tablePolicies?: PipelinePolicy[];
  azurePolicies?: PipelinePolicy[];
}

export interface Stores {
  statuses: StatusStore;
  chains: ChainStore;
  links: InventoryStore;
  scans: ScanStore;
  events: EventStore;
  alerts: AlertStore;
  ledger: IncidentLedger;
  refusals: RefusalStore;
}

export interface Services {
  config: Config;
  stores(): Promise<Stores>;
  scan(log: (message: string) => void, now?: Date): Promise<ScanSummary>;
  /** A scan, then the alerts the statuses call for: what the timer and `POST /api/scan` run. */
  scanThenAlert(log: (message: string) => void): Promise<ScanSummary & { alerts: AlertRun }>;
  reevaluate(hint: ChainHint, source: string, now?: Date): Promise<Reevaluation>;
  /** Decides the alerts the statuses call for, records them, and sends what is due. */
  /** `scope`: only the incidents of the key chains of these statuses (what an event re-judged). */
  alert(log: (message: string) => void, now?: Date, scope?: EnvironmentStatus[]): Promise<AlertRun>;
  /** Tells the monitor's own admins once when it starts or stops being blind to part of the tenant. */
  sight(spots: BlindSpot[], now?: Date): Promise<number>;
  /** Records today's digest (once a day however often it runs) and sends what is due. */
  digest(log: (message: string) => void, now?: Date): Promise<AlertRun>;
  /** Deletes history, rejected events, counts and delivered alerts past their ages. */
  trim(now?: Date): Promise<Trimmed>;
  /**
   * What an event sets off (re-judge, then alert), once for a flood of the same hint from the same source: callers
   * join the run queued for it (see coalesce.ts).
   */
  rejudge(hint: ChainHint, source: string, log: (message: string) => void): Promise<Rejudgement>;
  /** The proposed changes applied to the monitor's picture and judged: nothing is read from Azure, nothing stored. */
  whatIf(changes: Change[], now?: Date): Promise<WhatIfResult>;
  /** A test notice through one configured channel, sent at once and recorded nowhere. */
  testAlert(channel: string, now?: Date): Promise<TestAlertResult>;
  /** One batch of Key Vault audit records: refusals recorded, each key or vault they name re-judged once. */
  audit(deliveries: AuditDelivery[], functionName: string, log: (message: string) => void): Promise<AuditBatchResult>;
}

/** Builds every gateway once; the clients inside keep their connections and tokens across invocations. */
export function createServices(config: Config, wiring: Wiring = {}): Services {
  const credential = wiring.credential ?? new DefaultAzureCredential();
  const throttles = new ThrottleCounter();
  const pipeline = (service: AzureService) => ({
    ...(wiring.ca ? { tlsOptions: { ca: wiring.ca } } : {}),
    additionalPolicies: [
      ...(wiring.azurePolicies ?? []).map((policy) => ({ policy, position: 'perCall' as const })),
      { policy: patientThrottling, position: 'perCall' as const },
      { policy: throttles.policy(service), position: 'perRetry' as const },
    ],
  });
  const arm = { ...pipeline('arm'), endpoint: config.armEndpoint };
  const tables = openTables(config, credential, {
    additionalPolicies: [
      ...(wiring.tablePolicies ?? []).map((policy) => ({ policy, position: 'perCall' as const })),
      { policy: patientThrottling, position: 'perCall' as const },
      { policy: throttles.policy('storage'), position: 'perRetry' as const },
    ],
  });
  const inventory = inventorySource(config, credential, pipeline);
  const coverage =
    config.inventory.source === 'azure' && config.functionAppId
      ? new EventCoverageReader(
          new AzureRestReader(credential, `${config.armEndpoint}/.default`, pipeline('arm')),
          config.armEndpoint,
          config.functionAppId,
        )
      : null;
  const vaults = new VaultReader(credential, arm);
  const readKey = keyReads(
    config.keyReads,
    new ArmKeyReader(credential, arm),
    new KeyReader(credential, pipeline('keyvault')),
  );
  const authorization = authorizationClients(credential, arm);
  const truth = (): Truth => {
    const access = new AccessReader(authorization);
    return {
      vault: (vaultId) => vaults.read(vaultId),
      key: readKey,
      grants: (vault, principalId) => access.read(vault, principalId),
    };
  };

  // One set of stores for the app: the event counter gathers the increments of concurrent invocations.
  let opened: Promise<Stores> | undefined;
  const stores = (): Promise<Stores> => {
    opened ??= openStores().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  const openStores = async (): Promise<Stores> => {
    const [statuses, chains, links, scans, events, alerts, refusals] = await Promise.all([
      tables.get('Status'),
      tables.get('Chains'),
      tables.get('Inventory'),
      tables.get('Scans'),
      tables.get('Events'),
      tables.get('Alerts'),
      tables.get('Refusals'),
    ]);
    return {
      statuses: new StatusStore(statuses),
      chains: new ChainStore(chains),
      links: new InventoryStore(links),
      scans: new ScanStore(scans),
      events: new EventStore(events),
      alerts: new AlertStore(alerts),
      ledger: new IncidentLedger(alerts),
      refusals: new RefusalStore(refusals, config.refusalQuietMinutes * 60_000),
    };
  };

  const lastInventory = new LastInventory();
  const startedAt = new Date();
  /**
   * The outbox's gauges, and the audit records' silence while they are on, after a run of the alert timer or of a scan:
   * at most once a minute (the export interval), since each report reads the outbox again.
   */
  let outboxReportedAt = 0;
  const reportOutbox = async (deps: AlertingDependencies, now: Date) => {
    if (Date.now() - outboxReportedAt < 60_000) return;
    outboxReportedAt = Date.now();
    const [waiting, lastAudit] = await Promise.all([
      deps.alerts.waiting(),
      config.auditLogs ? (await stores()).scans.lastAudit() : null,
    ]);
    reportWaiting(
      waiting.map(({ value }) => value),
      deps.channels.map((channel) => channel.name),
      now,
    );
    if (config.auditLogs) reportAuditSilence(lastAudit, startedAt, now);
  };
  let channels: Promise<Channel[]> | undefined;
  const chosenChannels = () =>
    (channels ??= openChannels(config.alerts.channels, { alerts: config.alerts, credential, ca: wiring.ca }).then(
      (opened) => opened.map(observedChannel),
    ));
  const alerting = async (log: (message: string) => void): Promise<AlertingDependencies> => {
    const [current, chosen] = await Promise.all([stores(), chosenChannels()]);
    return { ...current, links: () => lastInventory.links(current), config: config.alerts, channels: chosen, log };
  };
  const ruleOptions: RuleOptions = {
    ...defaultRuleOptions,
    expiringWithinDays: config.expiringWithinDays,
    refusalQuietMinutes: config.refusalQuietMinutes,
  };
  const rejudgeOnce = coalesce((input: { hint: ChainHint; source: string; log: (message: string) => void }) =>
    rejudge(services, input.hint, input.source, input.log),
  );
  const services: Services = {
    config,
    stores,
    async reevaluate(hint, source, now) {
      const current = await stores();
      const links = () => lastInventory.links(current);
      const eventCoverage = async () => eventCoverageOf((await current.scans.last())?.summary);
      const refusals = () => current.refusals.list();
      return reevaluate(
        {
          truth,
          statuses: current.statuses,
          chains: current.chains,
          links,
          ruleOptions,
          concurrency: config.scanConcurrency,
          eventCoverage,
          refusals,
        },
        hint,
        source,
        now,
      );
    },
    async alert(log, now, scope) {
      const deps = await alerting(log);
      const run = await alert(deps, now, scope);
      if (!scope)
        await reportOutbox(deps, now ?? new Date()).catch((error: unknown) =>
          log(`Outbox metrics not reported: ${quote(String(error))}`),
        );
      return run;
    },
    async sight(spots, now) {
      return tellSight({ ...(await alerting(() => undefined)), scans: (await stores()).scans }, spots, now);
    },
    async digest(log, now) {
      return queueDigest(await alerting(log), now);
    },
    async whatIf(changes, now) {
      const current = await stores();
      const eventCoverage = async () => eventCoverageOf((await current.scans.last())?.summary);
      return whatIf(
        { ...current, eventCoverage, ruleOptions, scanIntervalMs: scheduleIntervalMs(config.scanSchedule) },
        changes,
        now,
      );
    },
    async testAlert(channel, now) {
      return sendTestAlert({ channels: await chosenChannels(), config: config.alerts }, channel, now);
    },
    async trim(now) {
      return trimStores({ ...(await stores()), ages: config.retention }, now);
    },
    async scanThenAlert(log) {
      const heartbeat = async (log: (message: string) => void) =>
        config.heartbeatUrl ? ping(config.heartbeatUrl, log) : undefined;
      const run = await scanThenAlert({ ...services, heartbeat }, log);
      await stores()
        .then(async (current) =>
          reportStatuses([...(await current.statuses.list()).values()].map(({ value }) => value)),
        )
        .catch((error: unknown) => log(`Status metrics not reported: ${quote(String(error))}`));
      return run;
    },
    rejudge(hint, source, log) {
      return rejudgeOnce(`${source}\n${hintKey(hint)}`, { hint, source, log });
    },
    async audit(deliveries, functionName, log) {
      const current = await stores();
      const deps = {
        monitorClientId: config.monitorClientId,
        links: () => lastInventory.links(current),
        refusals: current.refusals,
        quietMs: config.refusalQuietMinutes * 60_000,
        events: current.events,
        rejudge: services.rejudge.bind(services),
        heartbeat: (at: string) => current.scans.recordAudit(at),
      };
      return handleAuditBatch(deps, deliveries, functionName, log);
    },
    async scan(log, now) {
      return inSpan('scan', {}, async () => {
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
              throttled: () => throttles.total(),
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
    },
  };
  return services;
}

function inventorySource(
  config: Config,
  credential: TokenCredential,
  pipeline: (service: AzureService) => object,
): InventorySource {
  if (config.inventory.source === 'file') return new FileInventory(config.inventory.path);
  return new AzureInventory({
    arm: new AzureRestReader(credential, `${config.armEndpoint}/.default`, pipeline('arm')),
    armEndpoint: config.armEndpoint,
    powerPlatform: new AzureRestReader(credential, config.powerPlatformScope, pipeline('powerplatform')),
    powerPlatformEndpoint: config.powerPlatformEndpoint,
    subscriptionIds: config.inventory.subscriptionIds,
  });
}

let current: Services | undefined;

/** The app's services, configured from the app settings on first use: a bad setting fails that invocation, not the import. */
export function services(): Services {
  current ??= createServices(loadConfig(process.env));
  return current;
}

/** The vaults the last scan found not wired, as `withEvents` takes them. */
function eventCoverageOf(summary: unknown): { vaultName: string; coverage: 'not-covered' }[] {
  const notCovered = (summary as { events?: { notCovered?: unknown } } | null)?.events?.notCovered;
  return Array.isArray(notCovered)
    ? notCovered
        .filter((name): name is string => typeof name === 'string')
        .map((vaultName) => ({ vaultName, coverage: 'not-covered' as const }))
    : [];
}
