import { isPast, levelOf } from './ladder.js';
import type { AffectedEnvironment, Alert, Incident, IncidentRecord } from './model.js';

/** Environments a ledger record keeps for the resolved message. */
const rememberedEnvironments = 50;
/** Characters of JSON `lastAlert` may take: a Table storage string property holds 32K UTF-16 characters. */
const rememberedChars = 24_000;

export interface Decision {
  alerts: Alert[];
  /** Records that are new or changed. */
  records: IncidentRecord[];
}

/**
 * Compares the incidents found now with the ledger. An incident alerts when it opens on a rung, again only on a rung
 * further down (fewer days left to the key's expiry, or to an outage's deletion), and once more when it clears. Same
 * inputs, same alerts and ids, so two instances deciding at once agree.
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
  const alert = (incident: Incident, record: IncidentRecord, kind: Alert['kind'], level: number | null, to: string[], environmentCount = incident.environments.length) => {
    const id = `${incident.id}|${record.generation}|${kind === 'resolved' ? 'resolved' : level}`;
    decision.alerts.push({ id, kind, incident, level, recipients: to, environmentCount, decidedAt: at });
    if (kind !== 'resolved') record.lastAlert = { incident: remembered(incident), recipients: to, environmentCount };
  };

  for (const incident of [...incidents].sort((a, b) => compare(a.id, b.id))) {
    const previous = records.get(incident.id);
    const level = levelOf(incident, now, thresholdsDays);
    if (!previous || previous.resolvedAt) {
      const record: IncidentRecord = { incidentId: incident.id, generation: (previous?.generation ?? 0) + 1, level, openedAt: at, resolvedAt: null };
      decision.records.push(record);
      if (level !== null) alert(incident, record, 'opened', level, recipients(incident));
    } else if (level !== null && (previous.level === null || isPast(level, previous.level))) {
      const record: IncidentRecord = { ...previous, level };
      decision.records.push(record);
      // Nothing was sent yet for this generation when its level was null: the first message opens it.
      alert(incident, record, previous.level === null ? 'opened' : 'escalated', level, recipients(incident));
    }
  }

  const current = new Set(incidents.map((incident) => incident.id));
  const gone = [...records.values()].filter((record) => !record.resolvedAt && !current.has(record.incidentId));
  for (const record of gone.sort((a, b) => compare(a.incidentId, b.incidentId))) {
    const resolved: IncidentRecord = { ...record, resolvedAt: at };
    decision.records.push(resolved);
    // A level means this generation alerted, and every alert leaves `lastAlert`: the resolved message tells the same people.
    const last = record.lastAlert;
    if (record.level !== null && last) alert(last.incident, resolved, 'resolved', null, last.recipients, last.environmentCount);
  }
  return decision;
}

/** The incident as a message will need it, small enough for one table row: the first environments, at most 24,000 characters of JSON. */
export function remembered(incident: Incident): Incident {
  const environments: AffectedEnvironment[] = [];
  let chars = JSON.stringify({ ...incident, environments }).length;
  for (const environment of incident.environments.slice(0, rememberedEnvironments)) {
    chars += JSON.stringify(environment).length + 1;
    if (chars > rememberedChars) break;
    environments.push(environment);
  }
  return { ...incident, environments };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
