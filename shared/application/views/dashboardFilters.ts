import type { EnvironmentStatus } from '../../domain/environmentStatus.js';
import type { Status } from '../../domain/model.js';

/** Which environments the dashboard shows; null lets every environment through. */
export interface DashboardFilters {
  status: Status | null;
  /** A policy's name, any case. */
  policy: string | null;
  /** A vault's name, any case. */
  vault: string | null;
  /** Text found, any case, in an environment's name or id, its policy, vault, key (`vault/key`) or the rules it fails. */
  text: string | null;
}

export interface DashboardQuery {
  filters: DashboardFilters;
  /** 1-based. */
  page: number;
}

export const unfiltered: DashboardFilters = { status: null, policy: null, vault: null, text: null };

export const firstPage: DashboardQuery = { filters: unfiltered, page: 1 };

export function isFiltered(filters: DashboardFilters): boolean {
  return Object.values(filters).some((value) => value !== null);
}

export function matcherOf(filters: DashboardFilters): (status: EnvironmentStatus) => boolean {
  const policy = filters.policy?.toLowerCase();
  const vault = filters.vault?.toLowerCase();
  const text = filters.text?.toLowerCase();
  return (status) =>
    (!filters.status || status.status === filters.status) &&
    (!policy || status.policyName?.toLowerCase() === policy) &&
    (!vault || status.vault?.toLowerCase() === vault) &&
    (!text || searchTextOf(status).includes(text));
}

function searchTextOf(status: EnvironmentStatus): string {
  const key = status.vault && status.key ? `${status.vault}/${status.key}` : (status.key ?? '');
  return [
    status.displayName,
    status.environmentId,
    status.policyName ?? '',
    key,
    ...status.findings.map((finding) => finding.rule),
  ]
    .join('\n')
    .toLowerCase();
}
