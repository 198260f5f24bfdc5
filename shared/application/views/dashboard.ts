import { alertView, type AlertView } from './alertView.js';
import { firstPage, isFiltered, matcherOf, type DashboardFilters, type DashboardQuery } from './dashboardFilters.js';
import { blindSpotsNow, eventCoverageOf, waitingAlertsOf, type HealthView, type WaitingAlerts } from './health.js';
import { incidentPage, type ChainFactsOf, type IncidentView } from './incidentView.js';
import { firstOf, pageOf, type Listed, type Paged } from './paging.js';
import type { BlindSpot } from '../sight.js';
import { toEnvironmentView, type EnvironmentView } from './environmentView.js';
import { keyExpiries, timelineOf, type Timeline } from './timeline.js';
import { sortByUrgency } from './urgency.js';
import type { EnvironmentStatus, StatusChange } from '../../domain/environmentStatus.js';
import { countByStatus, type Status } from '../../domain/model.js';
import { nameOf } from '../../domain/resourceIds.js';
import { chainFactsOf } from '../../domain/runbooks.js';
import type { ChainPort, ChainSnapshot, OutboxPort, ScanPort, StatusPort } from '../ports/stores.js';

/** A page lists this many healthy environments. */
export const healthyPerPage = 50;
/** The dashboard lists this many keys and role assignments, the largest keys first; the rest are counted. */
export const listedKeys = 20;
export const listedAssignments = 20;

export interface KeyBlastRadius {
  vault: string;
  key: string;
  /** The key's current version, as its environments' policies last read it. */
  version: string | null;
  environments: number;
  byStatus: Record<Status, number>;
}

/** A policy identity's role assignment on its key's vault, as the scan last read it. */
export interface IdentityAssignment {
  policy: string;
  principalId: string;
  vault: string;
  scope: string;
  /** The role definition's GUID. */
  role: string;
}

/** Every environment down, whatever the filters: how many, behind how many keys, and the first Microsoft deletes. */
export interface OutageSummary {
  environments: number;
  keys: number;
  firstDeletion: { at: string; displayName: string } | null;
}

/** The page's list: incidents, or the healthy environments (which have none) when the filters ask for those. */
export type DashboardList =
  { kind: 'incidents'; page: Paged<IncidentView> } | { kind: 'healthy'; page: Paged<EnvironmentView> };

export interface Dashboard {
  generatedAt: string;
  /** Every monitored environment, whatever the filters. */
  byStatus: Record<Status, number>;
  outages: OutageSummary;
  filters: DashboardFilters;
  /** The environments the filters let through; the list, timeline and keys are theirs. */
  shown: number;
  list: DashboardList;
  timeline: Timeline;
  /** Keys by the number of environments behind them, most first. */
  keys: Listed<KeyBlastRadius>;
  /** Each policy identity's role assignments (RBAC vaults), by policy. */
  assignments: Listed<IdentityAssignment>;
  history: (StatusChange & { displayName: string })[];
  alerts: AlertView[];
  lastScanAt: string | null;
  /** The last scan is older than twice the schedule's interval (or there has been none). */
  scanOverdue: boolean;
  scanIntervalMs: number | null;
  /** Whether the vaults' events reach the monitor, as the last scan found; null when not known. */
  events: HealthView['events'];
  /** Alerts recorded and not yet sent (mail down): how many, and the oldest. */
  waitingAlerts: WaitingAlerts;
  /** When Key Vault audit records last came; null when none ever did (audit logs not deployed). */
  lastAuditAt: string | null;
  /** What the monitor cannot see; empty when it sees the whole tenant. */
  degraded: BlindSpot[];
}

export interface DashboardStores {
  statuses: Pick<StatusPort, 'list' | 'recentHistory'>;
  scans: Pick<ScanPort, 'last' | 'lastAudit' | 'lastFailure'>;
  alerts: Pick<OutboxPort, 'list' | 'waiting'>;
  chains: Pick<ChainPort, 'list'>;
}

export interface DashboardSettings {
  scanIntervalMs: number | null;
  /** The alert ladder's days before a key's expiry (ALERT_THRESHOLDS_DAYS). */
  thresholdsDays: number[];
}

export async function readDashboard(
  stores: DashboardStores,
  settings: DashboardSettings,
  query: DashboardQuery = firstPage,
  now = new Date(),
): Promise<Dashboard> {
  const [stored, history, alerts, last, waiting, lastAuditAt, chains, failure] = await Promise.all([
    stores.statuses.list(),
    stores.statuses.recentHistory(15),
    stores.alerts.list(15),
    stores.scans.last(),
    stores.alerts.waiting().then((waiting) => waiting.map(({ value }) => value)),
    stores.scans.lastAudit(),
    stores.chains.list(),
    stores.scans.lastFailure(),
  ]);
  const statuses = [...stored.values()].map(({ value }) => value);
  const shown = statuses.filter(matcherOf(query.filters));
  const snapshots = [...chains.values()].map(({ chain }) => chain);
  const names = new Map(statuses.map((status) => [status.environmentId, status.displayName]));
  const lastScanAt = last?.at ?? null;
  const { scanIntervalMs } = settings;
  return {
    generatedAt: now.toISOString(),
    byStatus: countByStatus(statuses),
    outages: outagesOf(statuses),
    filters: query.filters,
    shown: shown.length,
    list: listOf(shown, query, (policyId) => {
      const stored = chains.get(policyId.toLowerCase());
      return stored ? chainFactsOf(stored.chain) : null;
    }),
    timeline: timelineOf(shown, keyExpiries(snapshots), settings.thresholdsDays, now),
    keys: firstOf(blastRadius(shown), listedKeys),
    assignments: firstOf(
      assignmentsOf(isFiltered(query.filters) ? snapshotsBehind(shown, snapshots) : snapshots),
      listedAssignments,
    ),
    history: history.map((change) => ({
      ...change,
      displayName: names.get(change.environmentId) ?? change.environmentId,
    })),
    alerts: alerts.map(alertView),
    lastScanAt,
    scanOverdue:
      !lastScanAt || (scanIntervalMs !== null && now.getTime() - Date.parse(lastScanAt) > 2 * scanIntervalMs),
    scanIntervalMs,
    events: eventCoverageOf(last?.summary ?? null, scanIntervalMs),
    waitingAlerts: waitingAlertsOf(waiting),
    lastAuditAt,
    degraded: blindSpotsNow(last, failure),
  };
}

function listOf(shown: EnvironmentStatus[], { filters, page }: DashboardQuery, chainOf: ChainFactsOf): DashboardList {
  if (filters.status === 'healthy')
    return { kind: 'healthy', page: pageOf(sortByUrgency(shown.map(toEnvironmentView)), page, healthyPerPage) };
  return { kind: 'incidents', page: incidentPage(shown, page, chainOf) };
}

function outagesOf(statuses: EnvironmentStatus[]): OutageSummary {
  const down = statuses.filter((status) => status.status === 'outage');
  const first = down.reduce<EnvironmentStatus | null>(
    (earliest, status) =>
      status.deletionAt && (!earliest?.deletionAt || Date.parse(status.deletionAt) < Date.parse(earliest.deletionAt))
        ? status
        : earliest,
    null,
  );
  return {
    environments: down.length,
    keys: new Set(down.map((status) => `${status.vault ?? ''}/${status.key ?? ''}`.toLowerCase())).size,
    firstDeletion: first?.deletionAt ? { at: first.deletionAt, displayName: first.displayName } : null,
  };
}

function blastRadius(statuses: EnvironmentStatus[]): KeyBlastRadius[] {
  const keys = new Map<string, KeyBlastRadius>();
  for (const status of statuses) {
    if (!status.vault || !status.key) continue;
    const id = `${status.vault}/${status.key}`.toLowerCase();
    const key = keys.get(id) ?? {
      vault: status.vault,
      key: status.key,
      version: null,
      environments: 0,
      byStatus: countByStatus([]),
    };
    key.version ??= status.keyVersion;
    key.environments++;
    key.byStatus[status.status]++;
    keys.set(id, key);
  }
  return [...keys.values()].sort(
    (a, b) => b.environments - a.environments || `${a.vault}/${a.key}`.localeCompare(`${b.vault}/${b.key}`),
  );
}

/** The chains of the policies the shown environments are linked to. */
function snapshotsBehind(shown: EnvironmentStatus[], snapshots: ChainSnapshot[]): ChainSnapshot[] {
  const policies = new Set(shown.flatMap((status) => (status.policyId ? [status.policyId.toLowerCase()] : [])));
  return snapshots.filter(({ policy }) => policies.has(policy.id.toLowerCase()));
}

function assignmentsOf(chains: ChainSnapshot[]): IdentityAssignment[] {
  return chains
    .flatMap(({ policy, grants }) =>
      grants.kind === 'found'
        ? grants.value.map((grant) => ({
            policy: policy.name,
            principalId: policy.principalId,
            vault: nameOf(policy.vaultId),
            scope: grant.scope,
            role: nameOf(grant.roleDefinitionId),
          }))
        : [],
    )
    .sort((a, b) => a.policy.localeCompare(b.policy) || a.scope.localeCompare(b.scope));
}
