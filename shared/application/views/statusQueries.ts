import {
  toEnvironmentDetailView,
  toEnvironmentView,
  type EnvironmentDetailView,
  type EnvironmentView,
} from './environmentView.js';
import { toHealthView, type HealthView } from './health.js';
import { sortByUrgency } from './urgency.js';
import { chainFactsOf } from '../../domain/runbooks.js';
import type { ChainPort, OutboxPort, ScanPort, StatusPort } from '../ports/stores.js';

/** The stores the read side needs. */
export interface StatusReader {
  statuses: Pick<StatusPort, 'list' | 'get' | 'history'>;
  chains: Pick<ChainPort, 'get'>;
  scans: Pick<ScanPort, 'last' | 'lastAudit' | 'lastFailure'>;
  alerts: Pick<OutboxPort, 'waiting'>;
}

/** Every monitored environment, most urgent first. */
export async function listEnvironments(stores: StatusReader): Promise<EnvironmentView[]> {
  const stored = await stores.statuses.list();
  return sortByUrgency([...stored.values()].map(({ value }) => toEnvironmentView(value)));
}

/**
 * One environment with its history and its findings' runbooks, on its policy's chain as the last read kept it; null
 * when the monitor holds no status for `environmentId`.
 */
export async function findEnvironment(
  stores: StatusReader,
  environmentId: string,
): Promise<EnvironmentDetailView | null> {
  const [stored, history] = await Promise.all([
    stores.statuses.get(environmentId),
    stores.statuses.history(environmentId),
  ]);
  if (!stored) return null;
  const { policyId } = stored.value;
  const chain = policyId ? (await stores.chains.get([policyId])).get(policyId.toLowerCase())?.chain : undefined;
  return toEnvironmentDetailView(stored.value, history, chain ? chainFactsOf(chain) : null);
}

export async function readHealth(stores: StatusReader, scanIntervalMs: number | null = null): Promise<HealthView> {
  const [stored, last, waiting, lastAuditAt, failure] = await Promise.all([
    stores.statuses.list(),
    stores.scans.last(),
    stores.alerts.waiting().then((waiting) => waiting.map(({ value }) => value)),
    stores.scans.lastAudit(),
    stores.scans.lastFailure(),
  ]);
  return toHealthView(
    [...stored.values()].map(({ value }) => value),
    last,
    scanIntervalMs,
    waiting,
    lastAuditAt,
    failure,
  );
}
