import { levelOf } from './ladder.js';
import type { Alert, Incident, IncidentRecord } from './model.js';

/** Environments a ledger record keeps for the resolved message (a table row holds 1 MiB). */
const rememberedEnvironments = 50;

export interface Decision {
  alerts: Alert[];
  /** Records that are new or changed. */
  records: IncidentRecord[];
}

/**
 * Compares the incidents found now with the ledger. An incident alerts when it opens on a rung, again only on a more
 * urgent rung (fewer days left, or at once), and once more when it clears. Same inputs, same alerts and ids, so
 * two instances deciding at once agree.
 */
export function decide(
  incidents: Incident[],
  records: Map<string, IncidentRecord>,
  now: Date,
  thresholdsDays: number[],
  recipients: (incident: Incident) => string[],
): Decision {
  const decision: Decision = { alerts: [], records: [] };
  const at = now.toISOString();
  const alert = (incident: Incident, record: IncidentRecord, kind: Alert['kind'], level: number | null, to = recipients(incident)) => {
    decision.alerts.push({ id: `${incident.id}|${record.generation}|${kind === 'resolved' ? 'resolved' : level}`, kind, incident, level, recipients: to, decidedAt: at });
    if (kind !== 'resolved') record.lastAlert = { incident: { ...incident, environments: incident.environments.slice(0, rememberedEnvironments) }, recipients: to };
  };

  for (const incident of incidents) {
    const previous = records.get(incident.id);
    const level = levelOf(incident, now, thresholdsDays);
    if (!previous || previous.resolvedAt) {
      const record: IncidentRecord = { incidentId: incident.id, generation: (previous?.generation ?? 0) + 1, level, openedAt: at, resolvedAt: null };
      decision.records.push(record);
      if (level !== null) alert(incident, record, 'opened', level);
    } else if (level !== null && (previous.level === null || level < previous.level)) {
      const record = { ...previous, level };
      decision.records.push(record);
      alert(incident, record, previous.level === null ? 'opened' : 'escalated', level);
    }
  }

  const current = new Set(incidents.map((incident) => incident.id));
  for (const record of records.values()) {
    if (record.resolvedAt || current.has(record.incidentId)) continue;
    const resolved = { ...record, resolvedAt: at };
    decision.records.push(resolved);
    if (record.lastAlert) alert(record.lastAlert.incident, resolved, 'resolved', null, record.lastAlert.recipients);
  }
  return decision;
}
