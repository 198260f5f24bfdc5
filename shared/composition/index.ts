import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { loadConfig, type Config } from './config.js';
import { AzureInventory } from './adapters/azure/inventory/azureInventory.js';
import { AzureRestReader } from './adapters/azure/inventory/azureRest.js';
import { FileInventory } from './adapters/azure/inventory/fileInventory.js';
import type { InventorySource } from './application/ports/inventory.js';
import type { EnvironmentStatus } from './domain/environmentStatus.js';
import type { Link } from './domain/links.js';
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
import { reevaluate, type ReevaluateDependencies, type Reevaluation } from './application/reevaluate.js';
import {
  reevaluateThenAlert,
  type ReevaluateThenAlertDependencies,
  type ReevaluationOutcome,
} from './application/reevaluateThenAlert.js';
import { handleEventGridEvent, type DeliveredEvent, type EventGridEventResult } from './application/eventGridEvent.js';
import { trimStores, type Trimmed } from './application/retention.js';
import { scan, type ScanSummary } from './application/scan.js';
import { defaultRuleOptions, type RuleOptions } from './domain/rules/rule.js';
import { patientThrottling, ThrottleCounter, type AzureService } from './adapters/azure/throttling.js';
import { AlertStore } from './adapters/tables/alertStore.js';
import { IncidentLedger } from './adapters/tables/incidentLedger.js';
import { RefusalStore } from './adapters/tables/refusalStore.js';
import { handleAuditBatch, type AuditBatchResult } from './application/auditBatch.js';
import type { AuditMessage } from './application/auditReading.js';
import { EventStore } from './adapters/tables/eventStore.js';
import { InventoryStore } from './adapters/tables/inventoryStore.js';
import { ChainStore } from './adapters/tables/chainStore.js';
import { ScanStore } from './adapters/tables/scanStore.js';
import { StatusStore } from './adapters/tables/statusStore.js';
import { openTables } from './adapters/tables/tables.js';
import type {
  ChainPort,
  EventPort,
  LedgerPort,
  LinkPort,
  OutboxPort,
  RefusalPort,
  ScanPort,
  StatusPort,
} from './application/ports/stores.js';
import { AccessReader, authorizationClients } from './adapters/azure/truth/accessReader.js';
import { ArmKeyReader } from './adapters/azure/truth/armKeyReader.js';
import { EventCoverageReader } from './adapters/azure/truth/eventCoverage.js';
import { KeyReader } from './adapters/azure/truth/keyReader.js';
import { keyReads } from './adapters/azure/truth/keyReads.js';
import type { Truth } from './application/ports/truth.js';
import { VaultReader } from './adapters/azure/truth/vaultReader.js';
import { ping } from './adapters/heartbeat.js';
import { listAlerts, type AlertView } from './application/views/alertView.js';
import { readDashboard, type Dashboard } from './application/views/dashboard.js';
import type { DashboardQuery } from './application/views/dashboardFilters.js';
import type { EnvironmentDetailView, EnvironmentView } from './application/views/environmentView.js';
import type { HealthView } from './application/views/health.js';
import { findEnvironment, listEnvironments, readHealth } from './application/views/statusQueries.js';
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

/** What the use cases keep and read back, as the ports of application/ports/stores.ts; adapters/tables/ implements them. */
export interface Stores {
  statuses: StatusPort;
  chains: ChainPort;
  links: LinkPort;
  scans: ScanPort;
  events: EventPort;
  alerts: OutboxPort;
  ledger: LedgerPort;
  refusals: RefusalPort;
}

type Log = (message: string) => void;

/** What the HTTP API reads: the read models over the stores (application/views/). */
export interface ApiViews {
  health(): Promise<HealthView>;
  /** Every monitored environment, most urgent first. */
  environments(): Promise<EnvironmentView[]>;
  /** One environment with its history and runbooks; null when the monitor holds no status for it. */
  environment(environmentId: string): Promise<EnvironmentDetailView | null>;
  alerts(): Promise<AlertView[]>;
  dashboard(query: DashboardQuery): Promise<Dashboard>;
}

export interface Services {
  config: Config;
  stores(): Promise<Stores>;
  scan(log: Log, now?: Date): Promise<ScanSummary>;
  /** A scan, then the alerts the statuses call for: what the timer and `POST /api/scan` run. */
  scanThenAlert(log: Log): Promise<ScanSummary & { alerts: AlertRun }>;
  reevaluate(hint: ChainHint, source: string, now?: Date): Promise<Reevaluation>;
  /** Decides the alerts the statuses call for, records them, and sends what is due. */
  /** `scope`: only the incidents of the key chains of these statuses (what an event re-evaluated). */
  alert(log: Log, now?: Date, scope?: EnvironmentStatus[]): Promise<AlertRun>;
  /** Tells the monitor's own admins once when it starts or stops being blind to part of the tenant. */
  sight(spots: BlindSpot[], now?: Date): Promise<number>;
  /** Records today's digest (once a day however often it runs) and sends what is due. */
  digest(log: Log, now?: Date): Promise<AlertRun>;
  /** Deletes history, rejected events, counts and delivered alerts past their ages. */
  trim(now?: Date): Promise<Trimmed>;
  /**
   * What an event sets off (re-evaluate, then alert), once for a flood of the same hint from the same source: callers
   * join the run queued for it (see coalesce.ts).
   */
  reevaluateThenAlert(hint: ChainHint, source: string, log: Log): Promise<ReevaluationOutcome>;
  /** One Event Grid event as the edge decoded it: kept, counted or re-read (see eventGridEvent.ts). */
  event(delivered: DeliveredEvent, log: Log): Promise<EventGridEventResult>;
  /** The proposed changes applied to the monitor's picture and evaluated: nothing is read from Azure, nothing stored. */
  whatIf(changes: Change[], now?: Date): Promise<WhatIfResult>;
  /** A test notice through one configured channel, sent at once and recorded nowhere. */
  testAlert(channel: string, now?: Date): Promise<TestAlertResult>;
  /** One batch of Key Vault audit records: refusals recorded, each key or vault they name re-evaluated once. */
  audit(messages: AuditMessage[], functionName: string, log: Log): Promise<AuditBatchResult>;
  /** The read models the HTTP API answers with. */
  views: ApiViews;
}

/** Builds every gateway once; the clients inside keep their connections and tokens across invocations. */
export function createServices(config: Config, wiring: Wiring = {}): Services {
  const azure = azureClients(wiring);
  const stores = storesOnce(config, azure, wiring.tablePolicies ?? []);
  const lastInventory = new LastInventory();
  const links = async () => lastInventory.links(await stores());
  const truth = truthReaders(config, azure);
  const alerting = alertingServices(config, stores, links, { credential: azure.credential, ca: wiring.ca });
  const events = eventServices(config, stores, links, truth, alerting.alert);
  return {
    config,
    stores,
    ...scanServices(config, azure, truth, stores, alerting),
    ...alerting,
    ...events,
    ...auditServices(config, stores, links, events.reevaluateThenAlert),
    ...upkeepServices(config, stores),
    views: apiViews(config, stores),
  };
}

/**
 * The credential every client shares, the throttled answers counted across them, and each Azure service's client
 * options: the extra CA and policies, patience when throttled, and the throttling counted.
 */
type AzureClients = ReturnType<typeof azureClients>;

function azureClients(wiring: Wiring) {
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
  return { credential, throttles, pipeline };
}

/** One set of stores for the app, opened on first use (a failed open is tried again): the event counter gathers the increments of concurrent invocations. */
function storesOnce(config: Config, azure: AzureClients, tablePolicies: PipelinePolicy[]): () => Promise<Stores> {
  const tables = openTables(config, azure.credential, {
    additionalPolicies: [
      ...tablePolicies.map((policy) => ({ policy, position: 'perCall' as const })),
      { policy: patientThrottling, position: 'perCall' as const },
      { policy: azure.throttles.policy('storage'), position: 'perRetry' as const },
    ],
  });
  const open = async (): Promise<Stores> => {
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
  let opened: Promise<Stores> | undefined;
  return () => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}

/** Where the truth is read: vaults and access from Resource Manager, keys as KEY_READS says. */
function truthReaders(config: Config, azure: AzureClients): () => Truth {
  const arm = { ...azure.pipeline('arm'), endpoint: config.armEndpoint };
  const vaults = new VaultReader(azure.credential, arm);
  const readKey = keyReads(
    config.keyReads,
    new ArmKeyReader(azure.credential, arm),
    new KeyReader(azure.credential, azure.pipeline('keyvault')),
  );
  const authorization = authorizationClients(azure.credential, arm);
  // A fresh access reader for each run: what it remembers lasts one run.
  return () => {
    const access = new AccessReader(authorization);
    return {
      vault: (vaultId) => vaults.read(vaultId),
      key: readKey,
      grants: (vault, principalId) => access.read(vault, principalId),
    };
  };
}

function ruleOptionsOf(config: Config): RuleOptions {
  return {
    ...defaultRuleOptions,
    expiringWithinDays: config.expiringWithinDays,
    refusalQuietMinutes: config.refusalQuietMinutes,
  };
}

type AlertingServices = Pick<Services, 'alert' | 'sight' | 'digest' | 'testAlert'>;

/** Alerts: the channels ALERT_CHANNELS chose (opened once), the outbox, and the outbox's gauges. */
function alertingServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
  channelContext: { credential: TokenCredential; ca: string | undefined },
): AlertingServices {
  const reportOutbox = outboxReporter(config, stores);
  let channels: Promise<Channel[]> | undefined;
  const chosenChannels = () =>
    (channels ??= openChannels(config.alerts.channels, { alerts: config.alerts, ...channelContext }).then((opened) =>
      opened.map(observedChannel),
    ));
  const dependencies = async (log: Log): Promise<AlertingDependencies> => {
    const [current, chosen] = await Promise.all([stores(), chosenChannels()]);
    const { statuses, ledger, alerts } = current;
    return { statuses, ledger, alerts, links, config: config.alerts, channels: chosen, log };
  };
  return {
    async alert(log, now, scope) {
      const deps = await dependencies(log);
      const run = await alert(deps, now, scope);
      if (!scope)
        await reportOutbox(deps, now ?? new Date()).catch((error: unknown) =>
          log(`Outbox metrics not reported: ${quote(String(error))}`),
        );
      return run;
    },
    async sight(spots, now) {
      return tellSight({ ...(await dependencies(() => undefined)), scans: (await stores()).scans }, spots, now);
    },
    async digest(log, now) {
      return queueDigest(await dependencies(log), now);
    },
    async testAlert(channel, now) {
      return sendTestAlert({ channels: await chosenChannels(), config: config.alerts }, channel, now);
    },
  };
}

/**
 * The outbox's gauges, and the audit records' silence while they are on, after a run of the alert timer or of a scan:
 * at most once a minute (the export interval), since each report reads the outbox again.
 */
function outboxReporter(config: Config, stores: () => Promise<Stores>) {
  const startedAt = new Date();
  let reportedAt = 0;
  return async (deps: AlertingDependencies, now: Date): Promise<void> => {
    if (Date.now() - reportedAt < 60_000) return;
    reportedAt = Date.now();
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
}

/** The scan: the inventory, the truth behind it, the vaults' event subscriptions; then the alerts it calls for. */
function scanServices(
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

/** Whether each vault's events reach this function app: read only from Azure, and when FUNCTION_APP_ID names the app. */
function coverageReader(config: Config, azure: AzureClients): EventCoverageReader | null {
  if (config.inventory.source !== 'azure' || !config.functionAppId) return null;
  return new EventCoverageReader(
    new AzureRestReader(azure.credential, `${config.armEndpoint}/.default`, azure.pipeline('arm')),
    config.armEndpoint,
    config.functionAppId,
  );
}

function inventorySource(config: Config, azure: AzureClients): InventorySource {
  if (config.inventory.source === 'file') return new FileInventory(config.inventory.path);
  return new AzureInventory({
    arm: new AzureRestReader(azure.credential, `${config.armEndpoint}/.default`, azure.pipeline('arm')),
    armEndpoint: config.armEndpoint,
    powerPlatform: new AzureRestReader(azure.credential, config.powerPlatformScope, azure.pipeline('powerplatform')),
    powerPlatformEndpoint: config.powerPlatformEndpoint,
    subscriptionIds: config.inventory.subscriptionIds,
  });
}

/** Events: a hint re-read and re-evaluated, then its alerts decided; once for a flood of the same hint. */
function eventServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
  truth: () => Truth,
  alertScope: AlertingServices['alert'],
): Pick<Services, 'reevaluate' | 'reevaluateThenAlert' | 'event'> {
  const ruleOptions = ruleOptionsOf(config);
  const reevaluation = async (): Promise<ReevaluateDependencies> => {
    const current = await stores();
    return {
      truth,
      statuses: current.statuses,
      chains: current.chains,
      links,
      ruleOptions,
      concurrency: config.scanConcurrency,
      eventCoverage: async () => eventCoverageOf((await current.scans.last())?.summary),
      refusals: () => current.refusals.list(),
    };
  };
  const steps: ReevaluateThenAlertDependencies = {
    reevaluate: async (hint, source) => reevaluate(await reevaluation(), hint, source),
    alert: (log, now, scope) => alertScope(log, now, scope),
  };
  const reevaluateOnce = coalesce((input: { hint: ChainHint; source: string; log: Log }) =>
    reevaluateThenAlert(steps, input.hint, input.source, input.log),
  );
  const reevaluateHint = (hint: ChainHint, source: string, log: Log) =>
    reevaluateOnce(`${source}\n${hintKey(hint)}`, { hint, source, log });
  return {
    async reevaluate(hint, source, now) {
      return reevaluate(await reevaluation(), hint, source, now);
    },
    reevaluateThenAlert: reevaluateHint,
    async event(delivered, log) {
      const { events } = await stores();
      return handleEventGridEvent({ events, reevaluateThenAlert: reevaluateHint }, delivered, log);
    },
  };
}

/** Key Vault's audit records: refusals recorded, each key or vault they name re-evaluated as an event's hint is. */
function auditServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
  reevaluateHint: Services['reevaluateThenAlert'],
): Pick<Services, 'audit'> {
  return {
    async audit(messages, functionName, log) {
      const current = await stores();
      const deps = {
        links,
        refusals: current.refusals,
        quietMs: config.refusalQuietMinutes * 60_000,
        events: current.events,
        reevaluateThenAlert: reevaluateHint,
        heartbeat: (at: string) => current.scans.recordAudit(at),
      };
      return handleAuditBatch(deps, messages, functionName, log);
    },
  };
}

/** What the monitor answers from what it holds: what-if and retention. */
function upkeepServices(config: Config, stores: () => Promise<Stores>): Pick<Services, 'whatIf' | 'trim'> {
  const ruleOptions = ruleOptionsOf(config);
  return {
    async whatIf(changes, now) {
      const current = await stores();
      const eventCoverage = async () => eventCoverageOf((await current.scans.last())?.summary);
      return whatIf(
        { ...current, eventCoverage, ruleOptions, scanIntervalMs: scheduleIntervalMs(config.scanSchedule) },
        changes,
        now,
      );
    },
    async trim(now) {
      return trimStores({ ...(await stores()), ages: config.retention }, now);
    },
  };
}

/** The read models the HTTP API answers with, over `stores`. */
export function apiViews(config: Pick<Config, 'scanSchedule' | 'alerts'>, stores: () => Promise<Stores>): ApiViews {
  const scanIntervalMs = () => scheduleIntervalMs(config.scanSchedule);
  return {
    health: async () => readHealth(await stores(), scanIntervalMs()),
    environments: async () => listEnvironments(await stores()),
    environment: async (environmentId) => findEnvironment(await stores(), environmentId),
    alerts: async () => listAlerts(await stores()),
    dashboard: async (query) =>
      readDashboard(
        await stores(),
        { scanIntervalMs: scanIntervalMs(), thresholdsDays: config.alerts.thresholdsDays },
        query,
      ),
  };
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
