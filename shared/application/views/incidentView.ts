import type { EnvironmentStatus } from '../../domain/environmentStatus.js';
import {
  countByStatus,
  severities,
  statusRank,
  type Finding,
  type RuleId,
  type Severity,
  type Status,
} from '../../domain/model.js';
import { remedies } from '../../domain/rules/index.js';
import { runbookOf, type ChainFacts, type RunbookStep } from '../../domain/runbooks.js';
import { pageOf, type Paged } from './paging.js';

export const incidentsPerPage = 50;
/**
 * A page lists this many environments in all, shared among its incidents (each its most urgent, at least
 * `environmentsPerIncident`): a page of few incidents lists more of each. The counts cover them all.
 */
export const environmentsListedPerPage = 150;
export const environmentsPerIncident = 3;

export interface IncidentEnvironment {
  id: string;
  displayName: string;
  status: Status;
  /** Its own finding's message, when it differs from the incident's. */
  message: string | null;
  /** When Microsoft deletes it unless key access is restored (outage findings only), or null. */
  deletionAt: string | null;
}

/** One rule failing for one key, as the alerts group them, with what its environments have in common. */
export interface IncidentView {
  rule: RuleId;
  severity: Severity;
  vault: string | null;
  key: string | null;
  policies: string[];
  environmentCount: number;
  byStatus: Record<Status, number>;
  /** The finding's message, when every environment has the same one. */
  message: string | null;
  /** Outage: the earliest any of its environments is known to have gone down. */
  downSince: string | null;
  /** The earliest due date of its findings. */
  dueAt: string | null;
  /** Outage: when Microsoft deletes the first of its environments unless key access is restored. */
  deletionAt: string | null;
  remedy: string;
  /** What to do, step by step, on the chain of its first environment (the re-enable step names that one). */
  runbook: RunbookStep[];
  /** Its most urgent environments, as many as the page lists of each. */
  environments: IncidentEnvironment[];
}

/** The chain facts of a policy as last read, by policy id; null when none was read. */
export type ChainFactsOf = (policyId: string) => ChainFacts | null;

/** Every finding of `statuses` as incidents, most urgent first, and page `page` of them. */
export function incidentPage(
  statuses: EnvironmentStatus[],
  page: number,
  chainOf: ChainFactsOf = () => null,
): Paged<IncidentView> {
  const paged = pageOf([...incidentsOf(statuses).values()].sort(compareIncidents), page, incidentsPerPage);
  const listed = Math.max(
    environmentsPerIncident,
    Math.floor(environmentsListedPerPage / Math.max(1, paged.items.length)),
  );
  return { ...paged, items: paged.items.map((incident) => incidentView(incident, listed, chainOf)) };
}

/** One rule failing for one key, as the alerts group it (`rule|vault|key` in lower case), with each environment's finding. */
interface Incident {
  rule: RuleId;
  severity: Severity;
  vault: string | null;
  key: string | null;
  dueAt: string | null;
  deletionAt: string | null;
  affected: { status: EnvironmentStatus; finding: Finding }[];
}

function incidentsOf(statuses: EnvironmentStatus[]): Map<string, Incident> {
  const incidents = new Map<string, Incident>();
  for (const status of statuses) {
    for (const finding of status.findings) {
      const id = `${finding.rule}|${status.vault ?? ''}|${status.key ?? ''}`.toLowerCase();
      let incident = incidents.get(id);
      if (!incident) {
        incident = {
          rule: finding.rule,
          severity: finding.severity,
          vault: status.vault,
          key: status.key,
          dueAt: null,
          deletionAt: null,
          affected: [],
        };
        incidents.set(id, incident);
      }
      if (severities.indexOf(finding.severity) > severities.indexOf(incident.severity))
        incident.severity = finding.severity;
      incident.dueAt = earliest(incident.dueAt, finding.dueAt);
      if (finding.severity === 'outage') incident.deletionAt = earliest(incident.deletionAt, status.deletionAt);
      incident.affected.push({ status, finding });
    }
  }
  return incidents;
}

/** Worst severity first, then the earliest deletion or due date, then the most environments, then by key. */
function compareIncidents(a: Incident, b: Incident): number {
  return (
    severities.indexOf(b.severity) - severities.indexOf(a.severity) ||
    compareDates(a.deletionAt ?? a.dueAt, b.deletionAt ?? b.dueAt) ||
    b.affected.length - a.affected.length ||
    names.compare(`${a.vault}/${a.key}|${a.rule}`, `${b.vault}/${b.key}|${b.rule}`)
  );
}

function incidentView(incident: Incident, listed: number, chainOf: ChainFactsOf): IncidentView {
  const [first] = incident.affected;
  const policyId = first?.status.policyId;
  const message =
    first && incident.affected.every(({ finding }) => finding.message === first.finding.message)
      ? first.finding.message
      : null;
  const outage = incident.severity === 'outage';
  const policies = new Map(
    incident.affected.flatMap(({ status }) =>
      status.policyId ? [[status.policyId.toLowerCase(), status.policyName ?? status.policyId] as const] : [],
    ),
  );
  return {
    rule: incident.rule,
    severity: incident.severity,
    vault: incident.vault,
    key: incident.key,
    policies: [...policies.values()].sort((a, b) => names.compare(a, b)),
    environmentCount: incident.affected.length,
    byStatus: countByStatus(incident.affected.map(({ status }) => status)),
    message,
    downSince: outage
      ? incident.affected.reduce<string | null>((since, { status }) => earliest(since, status.lockedSince), null)
      : null,
    dueAt: incident.dueAt,
    deletionAt: incident.deletionAt,
    remedy: remedies[incident.rule],
    runbook: runbookOf(incident, {
      environmentId: first?.status.environmentId ?? '',
      chain: policyId ? chainOf(policyId) : null,
    }).steps,
    environments: incident.affected
      .map(({ status, finding }) => ({
        id: status.environmentId,
        displayName: status.displayName,
        status: status.status,
        message: message === null ? finding.message : null,
        deletionAt: finding.severity === 'outage' ? status.deletionAt : null,
      }))
      .sort(compareUrgency)
      .slice(0, listed),
  };
}

const names = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** The first deleted first, then the worst status, then by name. */
function compareUrgency(a: IncidentEnvironment, b: IncidentEnvironment): number {
  return (
    compareDates(a.deletionAt, b.deletionAt) ||
    statusRank[b.status] - statusRank[a.status] ||
    names.compare(a.displayName, b.displayName) ||
    (a.id < b.id ? -1 : 1)
  );
}

function earliest(a: string | null, b: string | null): string | null {
  return compareDates(a, b) <= 0 ? a : b;
}

/** Earliest first, none last. */
function compareDates(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return Date.parse(a) - Date.parse(b);
}
