import type { EnvironmentStatus } from '../environmentStatus.js';
import { severities, type Finding, type Severity } from '../model.js';
import { alertings } from '../rules/index.js';
import type { Incident } from './model.js';

/** Whether a finding alerts, as its rule's alerting says: some at once whatever their severity or on the ladder. */
export function alertable(finding: Finding): boolean {
  return (
    alertings[finding.rule] !== 'atOnceWhenCritical' || finding.severity === 'outage' || finding.severity === 'critical'
  );
}

/** The daily digest lists everything but information. */
function notable(finding: Finding): boolean {
  return finding.severity !== 'info';
}

/** The incidents worth an alert, or those `include` selects: one per key chain and rule, with every environment it affects. */
export function incidentsOf(
  statuses: EnvironmentStatus[],
  include: (finding: Finding) => boolean = alertable,
): Incident[] {
  const incidents = new Map<string, Incident>();
  for (const status of statuses) {
    for (const finding of status.findings.filter(include)) {
      const id = `${finding.rule}|${status.vault ?? ''}|${status.key ?? ''}`.toLowerCase();
      const incident = incidents.get(id) ?? {
        id,
        rule: finding.rule,
        severity: finding.severity,
        vault: status.vault,
        key: status.key,
        keyVersion: status.keyVersion,
        dueAt: null,
        deletionAt: null,
        policies: [],
        environments: [],
      };
      incident.severity = worse(incident.severity, finding.severity);
      if (finding.dueAt && (!incident.dueAt || Date.parse(finding.dueAt) < Date.parse(incident.dueAt)))
        incident.dueAt = finding.dueAt;
      const deletionAt = finding.severity === 'outage' ? status.deletionAt : null;
      if (deletionAt && (!incident.deletionAt || Date.parse(deletionAt) < Date.parse(incident.deletionAt)))
        incident.deletionAt = deletionAt;
      const policyId = status.policyId?.toLowerCase();
      if (status.policyId && !incident.policies.some((policy) => policy.id.toLowerCase() === policyId)) {
        incident.policies.push({ id: status.policyId, name: status.policyName });
      }
      incident.environments.push({
        environmentId: status.environmentId,
        displayName: status.displayName,
        status: status.status,
        policyId: status.policyId,
        policyName: status.policyName,
        message: finding.message,
        deletionAt,
      });
      incidents.set(id, incident);
    }
  }
  // A fixed order whatever the order of `statuses`, so every instance renders and decides the same.
  for (const incident of incidents.values()) {
    incident.environments.sort(
      (a, b) => compare(a.displayName, b.displayName) || compare(a.environmentId, b.environmentId),
    );
    incident.policies.sort((a, b) => compare(a.id.toLowerCase(), b.id.toLowerCase()));
  }
  return [...incidents.values()].sort((a, b) => compare(a.id, b.id));
}

/** Incidents of every finding but information, for the daily digest (warnings that never alert included). */
export function digestIncidentsOf(statuses: EnvironmentStatus[]): Incident[] {
  return incidentsOf(statuses, notable);
}

function worse(a: Severity, b: Severity): Severity {
  return severities.indexOf(a) >= severities.indexOf(b) ? a : b;
}

function compare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}
