import { deletionClock, type DeletionClock } from './deletionClock.js';
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
  const outageAt = resolveOutageAt(environmentEvaluation.evaluation, previous, at);
  const clock = deletionClock(environmentEvaluation.evaluation, environmentEvaluation.sku, previous, at);
  // Checked before the next status is built: nearly every evaluation of a scan changes nothing.
  if (previous && unchanged(previous, environmentEvaluation, outageAt, clock)) return null;
  const { evaluation, sku: _sku, ...identity } = environmentEvaluation;
  const next: EnvironmentStatus = {
    ...identity,
    status: evaluation.status,
    findings: evaluation.findings,
    outageAt,
    since: !previous || previous.status !== evaluation.status ? at : previous.since,
    ...clock,
  };
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

/** Whether the status the evaluation leads to is the one stored, but for when it was observed and since when. */
function unchanged(
  previous: EnvironmentStatus,
  next: EnvironmentEvaluation,
  outageAt: string | null,
  clock: DeletionClock,
): boolean {
  return (
    previous.environmentId === next.environmentId &&
    previous.displayName === next.displayName &&
    previous.policyId === next.policyId &&
    previous.policyName === next.policyName &&
    previous.vault === next.vault &&
    previous.key === next.key &&
    previous.keyVersion === next.keyVersion &&
    previous.status === next.evaluation.status &&
    previous.outageAt === outageAt &&
    previous.lockedSince === clock.lockedSince &&
    previous.deletionAt === clock.deletionAt &&
    sameFindings(previous.findings, next.evaluation.findings)
  );
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
