import { deletionClock } from './deletionClock.js';
import type { Evaluation, Finding, RuleId, Status } from './model.js';

/** What the monitor last concluded about one environment, and since when. */
export interface EnvironmentStatus {
  environmentId: string;
  displayName: string;
  policyId: string | null;
  policyName: string | null;
  vault: string | null;
  key: string | null;
  keyVersion: string | null;
  status: Status;
  findings: Finding[];
  outageAt: string | null;
  /** When `status` last changed. */
  since: string;
  /** In outage: its best known start, kept while the environment stays down; null otherwise. */
  lockedSince: string | null;
  /** In outage: when Microsoft deletes the environment unless key access is restored; null otherwise. */
  deletionAt: string | null;
  /**
   * When the truth behind this status was read (the start of the read). Events arrive out of order and instances
   * overlap, so a read older than this never replaces it.
   */
  observedAt: string;
}

export type EnvironmentEvaluation = Omit<
  EnvironmentStatus,
  'status' | 'findings' | 'outageAt' | 'since' | 'lockedSince' | 'deletionAt'
> & {
  evaluation: Evaluation;
  /** The environment's type as the admin API reports it (Production, Sandbox, …): it sets the deletion clock. */
  sku: string;
};

/** One entry of the append-only history: the status moved, or the set of findings did, and why. */
export interface StatusChange {
  environmentId: string;
  at: string;
  from: Status | null;
  to: Status | null;
  added: RuleId[];
  removed: RuleId[];
  /** What noticed the change: `scan`, or the event type that triggered a re-evaluation. */
  source: string;
}

export interface Transition {
  next: EnvironmentStatus | null;
  change: StatusChange | null;
}

/**
 * The step from the stored status to a new environmentEvaluation (null: no longer monitored).
 * Returns null when nothing worth writing changed, so repeated runs write nothing.
 */
export function advance(
  previous: EnvironmentStatus | null,
  environmentEvaluation: EnvironmentEvaluation | null,
  now: Date,
  source: string,
): Transition | null {
  const at = now.toISOString();
  if (!environmentEvaluation) {
    if (!previous) return null;
    return { next: null, change: changeOf(previous, null, at, source) };
  }
  if (previous && previous.observedAt > environmentEvaluation.observedAt) return null;
  const { evaluation, sku, ...identity } = environmentEvaluation;
  const statusChanged = previous?.status !== evaluation.status;
  const next: EnvironmentStatus = {
    ...identity,
    status: evaluation.status,
    findings: evaluation.findings,
    outageAt: resolveOutageAt(evaluation, previous, at),
    since: statusChanged || !previous ? at : previous.since,
    ...deletionClock(evaluation, sku, previous, at),
  };
  if (previous && sameStatus(previous, next)) return null;
  const change = changeOf(previous, next, at, source);
  return { next, change: change.from === change.to && !change.added.length && !change.removed.length ? null : change };
}

/**
 * An outage dates from the earliest it is known to have begun: an outage whose start Key Vault does not date (a revoked
 * grant, a blocked network) from when it was first seen, so a later evaluation of the same outage keeps that date.
 */
function resolveOutageAt(evaluation: Evaluation, previous: EnvironmentStatus | null, at: string): string | null {
  if (evaluation.status !== 'outage') return evaluation.outageAt;
  const dates = [
    evaluation.outageAt ?? at,
    ...(previous?.status === 'outage' && previous.outageAt ? [previous.outageAt] : []),
  ];
  return dates.reduce((earliest, date) => (Date.parse(date) < Date.parse(earliest) ? date : earliest));
}

function changeOf(
  previous: EnvironmentStatus | null,
  next: EnvironmentStatus | null,
  at: string,
  source: string,
): StatusChange {
  const before = new Set(previous?.findings.map((f) => f.rule));
  const after = new Set(next?.findings.map((f) => f.rule));
  return {
    environmentId: (next ?? previous)?.environmentId ?? '',
    at,
    from: previous?.status ?? null,
    to: next?.status ?? null,
    added: [...after].filter((rule) => !before.has(rule)),
    removed: [...before].filter((rule) => !after.has(rule)),
    source,
  };
}

const comparedFields = [
  'environmentId',
  'displayName',
  'policyId',
  'policyName',
  'vault',
  'key',
  'keyVersion',
  'status',
  'outageAt',
  'lockedSince',
  'deletionAt',
] as const;

function sameStatus(a: EnvironmentStatus, b: EnvironmentStatus): boolean {
  return comparedFields.every((field) => a[field] === b[field]) && sameFindings(a.findings, b.findings);
}

/** The same rules, severities, messages and dates, in the same order (a date absent and a date null alike). */
function sameFindings(a: Finding[], b: Finding[]): boolean {
  return (
    a.length === b.length &&
    a.every((finding, i) => {
      const other = b[i];
      return (
        other !== undefined &&
        finding.rule === other.rule &&
        finding.severity === other.severity &&
        finding.message === other.message &&
        (finding.dueAt ?? null) === (other.dueAt ?? null)
      );
    })
  );
}
