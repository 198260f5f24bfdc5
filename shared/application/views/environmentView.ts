import type { EnvironmentStatus, StatusChange } from '../../domain/environmentStatus.js';
import type { RuleId, Severity, Status } from '../../domain/model.js';
import { remedies } from '../../domain/rules/index.js';
import { runbookOf, type ChainFacts, type Runbook } from '../../domain/runbooks.js';

/** One finding as the API shows it: the rule's own words plus what an admin does about it. */
export interface FindingView {
  rule: RuleId;
  severity: Severity;
  message: string;
  dueAt: string | null;
  remedy: string;
}

/** One environment in `GET /api/environments` (README, "HTTP interface"). */
export interface EnvironmentView {
  id: string;
  displayName: string;
  status: Status;
  /** When `status` last changed. */
  since: string;
  /** The enterprise policy's name. */
  policy: string | null;
  policyId: string | null;
  vault: string | null;
  key: string | null;
  keyVersion: string | null;
  outageAt: string | null;
  /** In outage: its best known start; null otherwise. */
  lockedSince: string | null;
  /** In outage: when Microsoft deletes the environment unless key access is restored; null otherwise. */
  deletionAt: string | null;
  findings: FindingView[];
}

/** One status change with its cause, as `GET /api/environments/{id}` lists them (newest first). */
export type HistoryEntryView = Omit<StatusChange, 'environmentId'>;

/** A finding with its runbook, as `GET /api/environments/{id}` shows it. */
export interface FindingDetailView extends FindingView {
  runbook: Runbook;
}

export interface EnvironmentDetailView extends Omit<EnvironmentView, 'findings'> {
  findings: FindingDetailView[];
  history: HistoryEntryView[];
}

export function toEnvironmentView(status: EnvironmentStatus): EnvironmentView {
  return {
    id: status.environmentId,
    displayName: status.displayName,
    status: status.status,
    since: status.since,
    policy: status.policyName,
    policyId: status.policyId,
    vault: status.vault,
    key: status.key,
    keyVersion: status.keyVersion,
    outageAt: status.outageAt,
    lockedSince: status.lockedSince,
    deletionAt: status.deletionAt,
    findings: status.findings.map((finding) => ({
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      dueAt: finding.dueAt,
      remedy: remedies[finding.rule],
    })),
  };
}

export function toHistoryEntryView(change: StatusChange): HistoryEntryView {
  return {
    at: change.at,
    from: change.from,
    to: change.to,
    added: change.added,
    removed: change.removed,
    source: change.source,
  };
}

/**
 * The environment with each finding's runbook on its policy's chain (`chain`, null when the monitor holds none), and
 * its history; the store lists history newest first, and so does the API.
 */
export function toEnvironmentDetailView(
  status: EnvironmentStatus,
  history: StatusChange[],
  chain: ChainFacts | null,
): EnvironmentDetailView {
  const view = toEnvironmentView(status);
  const context = { environmentId: status.environmentId, chain };
  return {
    ...view,
    findings: view.findings.map((finding) => ({ ...finding, runbook: runbookOf(finding, context) })),
    history: newestFirst(history.map(toHistoryEntryView)),
  };
}

function newestFirst(entries: HistoryEntryView[]): HistoryEntryView[] {
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => Date.parse(b.entry.at) - Date.parse(a.entry.at) || a.index - b.index)
    .map(({ entry }) => entry);
}
