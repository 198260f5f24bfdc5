import type { EnvironmentStatus } from '../domain/environmentStatus.js';
import { severities, type Finding, type Severity } from '../domain/model.js';
import type { Incident } from './model.js';

/** Outage-class and critical findings alert at once; key-expiring on its ladder; a blind monitor always. */
export function alertable(finding: Finding): boolean {
  return finding.severity === 'outage' || finding.severity === 'critical' || finding.rule === 'key-expiring' || finding.rule === 'monitor-blind';
}

/** The daily digest lists everything but information. */
export function notable(finding: Finding): boolean {
  return finding.severity !== 'info';
}

/** The incidents among `statuses` (by default those worth an alert): one per key chain and rule, with every environment it affects. */
export function incidentsOf(statuses: EnvironmentStatus[], include: (finding: Finding) => boolean = alertable): Incident[] {
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
        policies: [],
        environments: [],
      };
      incident.severity = worse(incident.severity, finding.severity);
      if (finding.dueAt && (!incident.dueAt || finding.dueAt < incident.dueAt)) incident.dueAt = finding.dueAt;
      if (status.policyId && !incident.policies.some((policy) => policy.id.toLowerCase() === status.policyId?.toLowerCase())) {
        incident.policies.push({ id: status.policyId, name: status.policyName });
      }
      incident.environments.push({
        environmentId: status.environmentId,
        displayName: status.displayName,
        status: status.status,
        policyId: status.policyId,
        policyName: status.policyName,
        message: finding.message,
      });
      incidents.set(id, incident);
    }
  }
  for (const incident of incidents.values()) incident.environments.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.environmentId.localeCompare(b.environmentId));
  return [...incidents.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function worse(a: Severity, b: Severity): Severity {
  return severities.indexOf(a) >= severities.indexOf(b) ? a : b;
}
