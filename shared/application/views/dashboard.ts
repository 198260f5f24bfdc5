import { alertView, type AlertView } from './alertView.js';
import { blindSpotsNow, eventCoverageOf, waitingAlertsOf, type HealthView, type WaitingAlerts } from './health.js';
import type { BlindSpot } from '../sight.js';
import { toEnvironmentView, type EnvironmentView } from './environmentView.js';
import { sortByUrgency } from './urgency.js';
import type { StatusChange } from '../../domain/environmentStatus.js';
import { countByStatus, type Status } from '../../domain/model.js';
import { nameOf } from '../../domain/resourceIds.js';
import type { ChainPort, OutboxPort, ScanPort, StatusPort, StoredChain } from '../ports/stores.js';

export interface KeyBlastRadius {
  vault: string;
  key: string;
  /** The key's current version, as its environments' policies last read it. */
  version: string | null;
  environments: { id: string; displayName: string; status: Status }[];
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

export interface Dashboard {
  generatedAt: string;
  byStatus: Record<Status, number>;
  /** Most urgent first: outages, then by predicted outage. */
  environments: EnvironmentView[];
  /** Keys by the number of environments behind them, most first. */
  keys: KeyBlastRadius[];
  /** Each policy identity's role assignments (RBAC vaults), by policy. */
  assignments: IdentityAssignment[];
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

export async function readDashboard(stores: DashboardStores, scanIntervalMs: number | null, now = new Date()): Promise<Dashboard> {
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
  const byStatus = countByStatus(statuses);
  const names = new Map(statuses.map((status) => [status.environmentId, status.displayName]));
  const lastScanAt = last?.at ?? null;
  return {
    generatedAt: now.toISOString(),
    byStatus,
    environments: sortByUrgency(statuses.map(toEnvironmentView)),
    keys: blastRadius(statuses.map(toEnvironmentView)),
    assignments: assignmentsOf([...chains.values()]),
    history: history.map((change) => ({ ...change, displayName: names.get(change.environmentId) ?? change.environmentId })),
    alerts: alerts.map(alertView),
    lastScanAt,
    scanOverdue: !lastScanAt || (scanIntervalMs !== null && now.getTime() - Date.parse(lastScanAt) > 2 * scanIntervalMs),
    scanIntervalMs,
    events: eventCoverageOf(last?.summary ?? null, scanIntervalMs),
    waitingAlerts: waitingAlertsOf(waiting),
    lastAuditAt,
    degraded: blindSpotsNow(last, failure),
  };
}

function blastRadius(environments: EnvironmentView[]): KeyBlastRadius[] {
  const keys = new Map<string, KeyBlastRadius>();
  for (const environment of sortByUrgency(environments)) {
    if (!environment.vault || !environment.key) continue;
    const id = `${environment.vault}/${environment.key}`.toLowerCase();
    const key = keys.get(id) ?? { vault: environment.vault, key: environment.key, version: null, environments: [] };
    key.version ??= environment.keyVersion;
    key.environments.push({ id: environment.id, displayName: environment.displayName, status: environment.status });
    keys.set(id, key);
  }
  return [...keys.values()].sort((a, b) => b.environments.length - a.environments.length || `${a.vault}/${a.key}`.localeCompare(`${b.vault}/${b.key}`));
}

function assignmentsOf(chains: StoredChain[]): IdentityAssignment[] {
  return chains
    .flatMap(({ chain: { policy, grants } }) =>
      grants.kind === 'found'
        ? grants.value.map((grant) => ({ policy: policy.name, principalId: policy.principalId, vault: nameOf(policy.vaultId), scope: grant.scope, role: nameOf(grant.roleDefinitionId) }))
        : [],
    )
    .sort((a, b) => a.policy.localeCompare(b.policy) || a.scope.localeCompare(b.scope));
}
