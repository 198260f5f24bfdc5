import { dayMs } from '../../domain/days.js';
import type { EnvironmentStatus } from '../../domain/environmentStatus.js';
import { statusRank, type Status } from '../../domain/model.js';
import { nameOf } from '../../domain/resourceIds.js';
import { currentVersionOf } from '../../domain/rules/helpers.js';
import type { ChainSnapshot } from '../ports/stores.js';

export const timelineDays = 90;
/** The timeline draws this many keys, the most urgent; the rest are counted. */
export const timelineLanes = 15;
/** A deletion mark names this many of its environments; the rest are counted. */
const namedPerDeletion = 3;

/** The environments Microsoft deletes on one day unless key access is restored. */
export interface TimelineDeletion {
  /** The first of them that day. */
  at: string;
  count: number;
  /** The first `namedPerDeletion` of them. */
  environments: { id: string; displayName: string }[];
}

/** One key: when its current version expires, when the alert ladder alerts before that, and its locked environments' deletions. */
export interface TimelineLane {
  vault: string;
  key: string;
  /** The worst status of the environments behind it. */
  status: Status;
  /** The current version's expiry, as the scan last read it; null when it has none or the key could not be read. */
  expiresOn: string | null;
  /** The alert ladder's thresholds ahead on the timeline: days before the expiry, and when. */
  alerts: { days: number; at: string }[];
  /** By day, earliest first. */
  deletions: TimelineDeletion[];
}

/** The next `timelineDays` days from `from`, and what is already overdue, one lane per key. */
export interface Timeline {
  from: string;
  to: string;
  lanes: TimelineLane[];
  /** Keys with something on the timeline beyond the lanes drawn. */
  moreLanes: number;
}

/** The current version's expiry of each key the chains name (the earliest when policies pin different versions), by `vault/key` in lower case. */
export function keyExpiries(chains: ChainSnapshot[]): Map<string, string> {
  const expiries = new Map<string, string>();
  for (const { policy, key } of chains) {
    const expiresOn = key.kind === 'found' ? currentVersionOf(key.value)?.expiresOn : null;
    if (!expiresOn) continue;
    const id = keyIdOf(nameOf(policy.vaultId), policy.keyName);
    const known = expiries.get(id);
    if (!known || expiresOn.getTime() < Date.parse(known)) expiries.set(id, expiresOn.toISOString());
  }
  return expiries;
}

export function timelineOf(
  statuses: EnvironmentStatus[],
  expiries: Map<string, string>,
  thresholdsDays: number[],
  now: Date,
): Timeline {
  const to = new Date(now.getTime() + timelineDays * dayMs);
  const lanes = [...lanesByKey(statuses, expiries, thresholdsDays, now, to).values()]
    .filter((lane) => lane.deletions.length || (lane.expiresOn && Date.parse(lane.expiresOn) <= to.getTime()))
    .sort(compareLanes);
  return {
    from: now.toISOString(),
    to: to.toISOString(),
    lanes: lanes.slice(0, timelineLanes),
    moreLanes: Math.max(0, lanes.length - timelineLanes),
  };
}

function lanesByKey(
  statuses: EnvironmentStatus[],
  expiries: Map<string, string>,
  thresholdsDays: number[],
  now: Date,
  to: Date,
): Map<string, TimelineLane> {
  const lanes = new Map<string, TimelineLane>();
  const deletions = new Map<string, Map<string, TimelineDeletion>>();
  for (const status of statuses) {
    if (!status.vault || !status.key) continue;
    const id = keyIdOf(status.vault, status.key);
    let lane = lanes.get(id);
    if (!lane) {
      const expiresOn = expiries.get(id) ?? null;
      lane = {
        vault: status.vault,
        key: status.key,
        status: status.status,
        expiresOn,
        alerts: expiresOn ? alertsBefore(expiresOn, thresholdsDays, now, to) : [],
        deletions: [],
      };
      lanes.set(id, lane);
    }
    if (statusRank[status.status] > statusRank[lane.status]) lane.status = status.status;
    if (!status.deletionAt) continue;
    const days = deletions.get(id) ?? new Map<string, TimelineDeletion>();
    deletions.set(id, days);
    const day = status.deletionAt.slice(0, 10);
    const deletion = days.get(day) ?? { at: status.deletionAt, count: 0, environments: [] };
    days.set(day, deletion);
    if (Date.parse(status.deletionAt) < Date.parse(deletion.at)) deletion.at = status.deletionAt;
    deletion.count++;
    if (deletion.environments.length < namedPerDeletion)
      deletion.environments.push({ id: status.environmentId, displayName: status.displayName });
  }
  for (const [id, days] of deletions) {
    const lane = lanes.get(id);
    if (lane) lane.deletions = [...days.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }
  return lanes;
}

/** When each threshold of the ladder alerts before `expiresOn` (days left at or under it), for those between now and `to`. */
function alertsBefore(expiresOn: string, thresholdsDays: number[], now: Date, to: Date): TimelineLane['alerts'] {
  return thresholdsDays
    .map((days) => ({ days, at: new Date(Date.parse(expiresOn) - days * dayMs).toISOString() }))
    .filter(({ at }) => Date.parse(at) >= now.getTime() && Date.parse(at) <= to.getTime());
}

/** The worst status first, then the earliest date on the lane. */
function compareLanes(a: TimelineLane, b: TimelineLane): number {
  return (
    statusRank[b.status] - statusRank[a.status] ||
    firstDateOf(a) - firstDateOf(b) ||
    `${a.vault}/${a.key}`.localeCompare(`${b.vault}/${b.key}`)
  );
}

function firstDateOf(lane: TimelineLane): number {
  return Math.min(
    ...[lane.expiresOn, lane.deletions[0]?.at].flatMap((at) => (at ? [Date.parse(at)] : [])),
    Number.MAX_SAFE_INTEGER,
  );
}

const keyIdOf = (vault: string, key: string) => `${vault}/${key}`.toLowerCase();
