import { createHash } from 'node:crypto';
import { isPast, levelOf } from './ladder.js';
import type { AffectedEnvironment, Alert, Incident, IncidentChange, IncidentRecord, Membership } from './model.js';

/** Environments a ledger record keeps for the resolved message. */
const rememberedEnvironments = 50;
/** Environment ids a ledger record keeps to tell which came and went: 400 GUIDs are about 15,000 characters. */
const rememberedIds = 400;
/** Characters of JSON `lastAlert` may take: a Table storage string property holds 32K UTF-16 characters. */
const rememberedChars = 24_000;

export interface Decision {
  alerts: Alert[];
  /** Records that are new or changed. */
  records: IncidentRecord[];
}

/**
 * Compares the incidents found now with the ledger. An incident alerts when it opens on a rung, again only on a rung
 * further down (fewer days left to the key's expiry, or to an outage's deletion), when the environments it affects
 * change after it alerted (more of them: `grew`; fewer, some still affected: `shrank`), and once more when it clears.
 * Same inputs, same alerts and ids, so two instances deciding at once agree.
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
  const alert = (
    incident: Incident,
    record: IncidentRecord,
    kind: Alert['kind'],
    level: number | null,
    to: string[],
    environmentCount = incident.environments.length,
    change?: IncidentChange,
  ) => {
    const suffix =
      kind === 'resolved'
        ? 'resolved'
        : kind === 'grew' || kind === 'shrank'
          ? `${kind}|${record.membership?.digest ?? ''}`
          : String(level);
    decision.alerts.push({
      id: `${incident.id}|${record.generation}|${suffix}`,
      kind,
      incident,
      level,
      recipients: to,
      environmentCount,
      ...(change && { change }),
      decidedAt: at,
    });
    if (kind !== 'resolved') record.lastAlert = { incident: remembered(incident), recipients: to, environmentCount };
  };

  for (const incident of [...incidents].sort((a, b) => compare(a.id, b.id))) {
    const previous = records.get(incident.id);
    const level = levelOf(incident, now, thresholdsDays);
    const membership = membershipOf(incident);
    if (!previous || previous.resolvedAt) {
      const record: IncidentRecord = {
        incidentId: incident.id,
        generation: (previous?.generation ?? 0) + 1,
        level,
        openedAt: at,
        resolvedAt: null,
        membership,
      };
      decision.records.push(record);
      if (level !== null) alert(incident, record, 'opened', level, recipients(incident));
    } else if (level !== null && (previous.level === null || isPast(level, previous.level))) {
      const record: IncidentRecord = { ...previous, level, membership };
      decision.records.push(record);
      // Nothing was sent yet for this generation when its level was null: the first message opens it.
      alert(incident, record, previous.level === null ? 'opened' : 'escalated', level, recipients(incident));
    } else if (previous.membership?.digest !== membership.digest) {
      const record: IncidentRecord = { ...previous, membership };
      decision.records.push(record);
      // A record from before memberships were kept learns the set silently; one that never alerted has no one to tell.
      const change =
        previous.membership && previous.level !== null ? changeOf(incident, previous, previous.membership) : null;
      if (change)
        alert(
          incident,
          record,
          change.added.length || incident.environments.length > change.before ? 'grew' : 'shrank',
          previous.level,
          recipients(incident),
          incident.environments.length,
          change,
        );
    }
  }

  const current = new Set(incidents.map((incident) => incident.id));
  const gone = [...records.values()].filter((record) => !record.resolvedAt && !current.has(record.incidentId));
  for (const record of gone.sort((a, b) => compare(a.incidentId, b.incidentId))) {
    const resolved: IncidentRecord = { ...record, resolvedAt: at };
    decision.records.push(resolved);
    // A level means this generation alerted, and every alert leaves `lastAlert`: the resolved message tells the same people.
    const last = record.lastAlert;
    if (record.level !== null && last)
      alert(last.incident, resolved, 'resolved', null, last.recipients, last.environmentCount);
  }
  return decision;
}

function membershipOf(incident: Incident): Membership {
  const ids = incident.environments.map((environment) => environment.environmentId.toLowerCase()).sort();
  const digest = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
  return { environmentIds: ids.length <= rememberedIds ? ids : null, count: ids.length, digest };
}

/** Which environments came and went since `before`; the lists stay empty when `before` was too large to keep. */
function changeOf(incident: Incident, previous: IncidentRecord, before: Membership): IncidentChange {
  if (!before.environmentIds) return { added: [], removed: [], before: before.count };
  const known = new Set(before.environmentIds);
  const now = new Set(incident.environments.map((environment) => environment.environmentId.toLowerCase()));
  const names = new Map(
    previous.lastAlert?.incident.environments.map((environment) => [
      environment.environmentId.toLowerCase(),
      environment.displayName,
    ]),
  );
  return {
    added: incident.environments.filter((environment) => !known.has(environment.environmentId.toLowerCase())),
    removed: before.environmentIds
      .filter((id) => !now.has(id))
      .map((environmentId) => ({ environmentId, displayName: names.get(environmentId) ?? null })),
    before: before.count,
  };
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
