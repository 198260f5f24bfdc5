import { contentOf } from '../domain/alerts/content.js';
import type { SightNotice } from '../domain/alerts/notice.js';
import { uniqueAddresses } from '../domain/alerts/recipients.js';
import { record, type AlertingDependencies } from './alerting.js';
import type { AlertSettings } from './alertSettings.js';
import type { ScanPort } from './ports/stores.js';
import type { BlindSpot } from './sight.js';

export interface SightDependencies extends Pick<AlertingDependencies, 'channels' | 'alerts'> {
  scans: Pick<ScanPort, 'sight' | 'saveSight'>;
  config: Pick<AlertSettings, 'monitorAdmins' | 'keyvaultAdmins' | 'powerplatformAdmins'>;
}

const maxAttemptsOnRace = 5;

/**
 * Tells the monitor's own admins once when it starts not to see part of the tenant, again when it goes blind in a
 * way it was not yet (a new kind of blind spot), and once when it sees the tenant whole again. Two instances deciding at once write the same generation under an ETag and record the same alert id, so
 * the admins hear each change once. Returns the alerts recorded.
 */
export async function tellSight(deps: SightDependencies, spots: BlindSpot[], now = new Date()): Promise<number> {
  const at = now.toISOString();
  const reasons = spots.map((spot) => `${spot.code}: ${spot.reason}`);
  for (let attempt = 0; attempt < maxAttemptsOnRace; attempt++) {
    const stored = await deps.scans.sight();
    const previous = stored?.value ?? null;
    const degraded = spots.length > 0;
    const codes = [...new Set(spots.map((spot) => spot.code))];
    if (!degraded && !previous?.degraded) return 0;
    // Every kind told stays told until the monitor sees the whole tenant again: a blind scan cannot tell whether the
    // chains it did not reach are still unreadable, and a failed scan tells only its failure.
    if (degraded && previous?.degraded && codes.every((code) => previous.codes.includes(code))) return 0;
    const generation = (previous?.generation ?? 0) + (degraded ? 1 : 0);
    const since = degraded && previous?.degraded ? previous.since : degraded ? at : (previous?.since ?? at);
    const told = degraded && previous?.degraded ? [...new Set([...previous.codes, ...codes])] : codes;
    const next = { generation, degraded, since, codes: told, reasons: degraded ? reasons : (previous?.reasons ?? []) };
    if (!(await deps.scans.saveSight(next, stored))) continue;
    const notice: SightNotice = {
      type: 'sight',
      id: `sight|${generation}|${degraded ? 'opened' : 'resolved'}`,
      kind: degraded ? 'opened' : 'resolved',
      severity: 'critical',
      reasons: next.reasons,
      since: next.since,
      recipients: recipientsOf(deps.config),
      decidedAt: at,
    };
    const queued = await record(deps, {
      alertId: notice.id,
      kind: notice.kind,
      incidentId: 'sight',
      rule: 'monitor-degraded',
      severity: notice.severity,
      subject: contentOf(notice, null).title,
      recipients: notice.recipients,
      environments: [],
      environmentCount: 0,
      decidedAt: at,
      notice,
    });
    return queued ? 1 : 0;
  }
  throw new Error("The monitor's sight record kept changing under this instance; the next scan decides again");
}

function recipientsOf(config: SightDependencies['config']): string[] {
  return config.monitorAdmins.length
    ? config.monitorAdmins
    : uniqueAddresses([...config.keyvaultAdmins, ...config.powerplatformAdmins]);
}
