import { evaluateLink } from './evaluateEnvironment.js';
import { withEvents, withRefusals } from './chains.js';
import { daysUntil } from '../domain/days.js';
import { advance, type EnvironmentEvaluation, type EnvironmentStatus } from '../domain/environmentStatus.js';
import type { VaultEvents } from '../domain/eventCoverage.js';
import { statusRank, type Chain, type Finding, type Status } from '../domain/model.js';
import type { RuleOptions } from '../domain/rules/rule.js';
import type { Link } from '../domain/links.js';
import { applyChanges, type Change } from '../domain/whatIf/changes.js';
import type { Picture } from '../domain/whatIf/picture.js';
import { endRefusals, refusalsEndCondition } from '../domain/whatIf/refusals.js';
import type { ChainPort, RefusalPort, ScanPort, StatusPort, Versioned } from './ports/stores.js';

export interface WhatIfDependencies {
  /** The last inventory's links (a warm instance keeps them while the scan's heartbeat stands: `LastInventory`). */
  links: () => Promise<Link[]>;
  chains: Pick<ChainPort, 'list'>;
  statuses: Pick<StatusPort, 'getMany'>;
  refusals: Pick<RefusalPort, 'list'>;
  scans: Pick<ScanPort, 'last'>;
  eventCoverage: () => Promise<Pick<VaultEvents, 'vaultName' | 'coverage'>[]>;
  ruleOptions: RuleOptions;
  /** How often the scan runs (null when the schedule has no fixed interval); the picture is stale past twice that. */
  scanIntervalMs: number | null;
}

/** An environment's status as the monitor holds it, or would hold it after the changes. */
export interface PredictedStatus {
  status: Status;
  findings: Finding[];
  outageAt: string | null;
  deletionAt: string | null;
}

export interface EnvironmentPrediction {
  environmentId: string;
  displayName: string;
  sku: string;
  policyName: string | null;
  vault: string | null;
  key: string | null;
  now: PredictedStatus;
  after: PredictedStatus;
  added: Finding[];
  removed: Finding[];
  /** What the prediction assumes beyond the changes themselves; absent when nothing. */
  conditions?: string[];
}

export interface WhatIfAnswer {
  /**
   * When the picture the answer used was read, and whether it may not hold what is true now (`staleReason` says why):
   * no scan yet, the last one older than twice the scan interval, or statuses evaluated on reads the picture does not hold.
   */
  picture: { scannedAt: string | null; oldestChainReadAt: string | null; stale: boolean; staleReason: string | null };
  /** `note`: what Azure does beyond the evaluation (a change it cannot undo, or may refuse), when there is anything. */
  changes: { action: Change['action']; touched: boolean; note?: string }[];
  environments: EnvironmentPrediction[];
  summary: string;
}

export type WhatIfResult = { ok: true; answer: WhatIfAnswer } | { ok: false; path: string; message: string };

const source = 'what-if';

/**
 * Applies the proposed changes to a copy of the monitor's picture (no call to Azure, nothing stored) and evaluates the
 * environments they reach on both with the scan's rules: the answer lists each one whose status or findings would
 * change. Only an environment whose link or chain the changes alter can move, so only those are evaluated and only
 * their statuses read.
 */
export async function whatIf(deps: WhatIfDependencies, changes: Change[], now = new Date()): Promise<WhatIfResult> {
  const [links, stored, refusals, coverage, lastScan] = await Promise.all([
    deps.links(),
    deps.chains.list(),
    deps.refusals.list(),
    deps.eventCoverage(),
    deps.scans.last(),
  ]);
  const chains = new Map<string, Chain>(
    [...stored].map(
      ([
        policyId,
        {
          chain: { deletedKey: _deletedKey, ...chain },
        },
      ]) => [policyId, chain],
    ),
  );
  withEvents(chains, coverage);
  withRefusals(chains, refusals);
  const deletedKeys = new Map(
    [...stored].flatMap(([policyId, { chain }]) => (chain.deletedKey ? [[policyId, chain.deletedKey] as const] : [])),
  );
  const before: Picture = { links, chains, deletedKeys };
  const applied = applyChanges(before, changes, now);
  if (!applied.ok) return applied;
  const refusalsEnded = endRefusals(before, applied.picture, now, deps.ruleOptions);

  const affected = affectedEnvironments(before, applied.picture);
  const statuses = await deps.statuses.getMany([...affected]);
  const evaluatedBefore = evaluatePicture(before, affected, now, deps.ruleOptions);
  const evaluatedAfter = evaluatePicture(applied.picture, affected, now, deps.ruleOptions);
  const environments: EnvironmentPrediction[] = [];
  for (const [environmentId, after] of evaluatedAfter) {
    const previous = evaluatedBefore.get(environmentId);
    if (previous && sameEvaluation(previous, after)) continue;
    const held = statuses.get(environmentId)?.value ?? null;
    const current = held ?? (previous ? advance(null, previous, now, source)?.next : null) ?? null;
    const next = advance(current, after, now, source)?.next ?? current;
    if (!next) continue;
    const predicted = prediction(after, current, next);
    const refusalsEnd = after.policyId !== null && refusalsEnded.has(after.policyId.toLowerCase());
    if (refusalsEnd && predicted.removed.some((finding) => finding.rule === 'key-access-failing'))
      predicted.conditions = [refusalsEndCondition(deps.ruleOptions)];
    environments.push(predicted);
  }
  for (const [environmentId, previous] of evaluatedBefore) {
    if (evaluatedAfter.has(environmentId)) continue;
    const current = statuses.get(environmentId)?.value ?? advance(null, previous, now, source)?.next;
    if (current) environments.push(prediction(previous, current, null));
  }
  environments.sort(
    (a, b) => statusRank[b.after.status] - statusRank[a.after.status] || a.displayName.localeCompare(b.displayName),
  );

  const readAts = [...stored.values()].map(({ observedAt }) => observedAt).sort();
  const scannedAt = lastScan?.at ?? null;
  const staleReason = stalenessOf(before, affected, statuses, scannedAt, deps, now);
  return {
    ok: true,
    answer: {
      picture: { scannedAt, oldestChainReadAt: readAts[0] ?? null, stale: staleReason !== null, staleReason },
      changes: changes.map((change, index) => ({
        action: change.action,
        touched: applied.touched[index] ?? false,
        ...(applied.notes[index] && { note: applied.notes[index] }),
      })),
      environments,
      summary: summarize(environments, applied.touched.some(Boolean), now),
    },
  };
}

/** Why the picture may not hold what is true now for the environments the changes reach; null when nothing says so. */
function stalenessOf(
  picture: Picture,
  affected: Set<string>,
  statuses: Map<string, Versioned<EnvironmentStatus>>,
  scannedAt: string | null,
  deps: Pick<WhatIfDependencies, 'ruleOptions' | 'scanIntervalMs'>,
  now: Date,
): string | null {
  if (scannedAt === null) return 'no scan has run yet';
  if (deps.scanIntervalMs !== null && now.getTime() - Date.parse(scannedAt) > 2 * deps.scanIntervalMs)
    return 'the last scan is older than twice the scan interval';
  const unheld = picture.links.filter((link) => {
    if (!affected.has(link.environmentId)) return false;
    const held = statuses.get(link.environmentId)?.value;
    return held ? !holds(picture, link, held, deps.ruleOptions) : false;
  }).length;
  return unheld
    ? `${plural(unheld, 'environment')} ${unheld === 1 ? 'was' : 'were'} evaluated on reads the picture does not hold`
    : null;
}

/**
 * Whether the picture holds what an environment's status was evaluated on: evaluated on the picture at the time of the read
 * behind the status, it comes out the same. An event or audit record that re-read the chain and could not save what
 * it read leaves a status the picture does not explain.
 */
function holds(picture: Picture, link: Link, held: EnvironmentStatus, options: RuleOptions): boolean {
  const readAt = new Date(held.observedAt);
  if (Number.isNaN(readAt.getTime())) return true;
  const { evaluation } = evaluateLink(link, picture.chains, readAt, options);
  return evaluation.status === held.status && findingKeys(evaluation.findings) === findingKeys(held.findings);
}

function evaluatePicture(
  picture: Picture,
  environmentIds: Set<string>,
  now: Date,
  options: RuleOptions,
): Map<string, EnvironmentEvaluation> {
  const observedAt = now.toISOString();
  return new Map(
    picture.links
      .filter((link) => environmentIds.has(link.environmentId))
      .map((link) => [link.environmentId, { ...evaluateLink(link, picture.chains, now, options), observedAt }]),
  );
}

/** Whether a link is the copy `applyChanges` made of it, untouched: every property the very same value. */
function sameLink(was: Link, link: Link): boolean {
  return (Object.keys(was) as (keyof Link)[]).every((property) => was[property] === link[property]);
}

/**
 * The environments whose evaluation the changes can move: those whose link changed (or came or went), and those on a
 * policy, or left one, whose chain changed. Every other environment is evaluated on the same link, chains and time
 * before and after, so it comes out the same.
 */
function affectedEnvironments(before: Picture, after: Picture): Set<string> {
  const changedPolicies = new Set(
    [...new Set([...before.chains.keys(), ...after.chains.keys()])].filter(
      (policyId) => JSON.stringify(before.chains.get(policyId)) !== JSON.stringify(after.chains.get(policyId)),
    ),
  );
  const onChangedChain = (link: Link) =>
    [link.policy?.id, link.previous?.policy?.id].some(
      (id) => id !== undefined && changedPolicies.has(id.toLowerCase()),
    );
  const linksBefore = new Map(before.links.map((link) => [link.environmentId, link]));
  const affected = new Set<string>();
  for (const link of after.links) {
    const was = linksBefore.get(link.environmentId);
    linksBefore.delete(link.environmentId);
    if (!was || onChangedChain(was) || !sameLink(was, link)) affected.add(link.environmentId);
  }
  for (const environmentId of linksBefore.keys()) affected.add(environmentId);
  return affected;
}

const findingKey = (finding: Finding) => `${finding.rule}|${finding.severity}`;
const findingKeys = (findings: Finding[]) => findings.map(findingKey).sort().join('\n');

function sameEvaluation({ evaluation: a }: EnvironmentEvaluation, { evaluation: b }: EnvironmentEvaluation): boolean {
  return a.status === b.status && findingKeys(a.findings) === findingKeys(b.findings) && a.outageAt === b.outageAt;
}

/** `next` null: the environment would no longer be watched (moved off every policy with nothing left to evaluate). */
function prediction(
  environmentEvaluation: EnvironmentEvaluation,
  current: EnvironmentStatus | null,
  next: EnvironmentStatus | null,
): EnvironmentPrediction {
  const now = predicted(current);
  const after = predicted(next);
  const nowKeys = new Set(now.findings.map(findingKey));
  const afterKeys = new Set(after.findings.map(findingKey));
  return {
    environmentId: environmentEvaluation.environmentId,
    displayName: environmentEvaluation.displayName,
    sku: environmentEvaluation.sku,
    policyName: (next ?? current)?.policyName ?? environmentEvaluation.policyName,
    vault: (next ?? current)?.vault ?? environmentEvaluation.vault,
    key: (next ?? current)?.key ?? environmentEvaluation.key,
    now,
    after,
    added: after.findings.filter((finding) => !nowKeys.has(findingKey(finding))),
    removed: now.findings.filter((finding) => !afterKeys.has(findingKey(finding))),
  };
}

function predicted(status: EnvironmentStatus | null): PredictedStatus {
  if (!status) return { status: 'healthy', findings: [], outageAt: null, deletionAt: null };
  return { status: status.status, findings: status.findings, outageAt: status.outageAt, deletionAt: status.deletionAt };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function summarize(environments: EnvironmentPrediction[], touched: boolean, now: Date): string {
  if (!touched) return 'Nothing the monitor watches: no environment depends on what these changes touch.';
  if (!environments.length) return "Safe: no environment's status or findings would change.";
  const sentences: string[] = [];
  const down = environments.filter((e) => e.after.status === 'outage' && e.now.status !== 'outage');
  if (down.length) {
    const production = down.filter((e) => e.sku.toLowerCase() === 'production').length;
    const at = down
      .map((e) => e.after.outageAt)
      .filter((date): date is string => date !== null)
      .sort()[0];
    const when = !at || Date.parse(at) <= now.getTime() ? 'at once' : `on ${at.slice(0, 10)}`;
    const deletion = down
      .map((e) => e.after.deletionAt)
      .filter((date): date is string => date !== null)
      .sort()[0];
    const label =
      production === down.length
        ? `${plural(down.length, 'production environment')}`
        : `${plural(down.length, 'environment')}${production ? ` (${production} production)` : ''}`;
    sentences.push(`${label} down ${when}${deletion ? `, deleted on ${deletion.slice(0, 10)} unless restored` : ''}`);
  }
  const restores = environments.filter((e) => e.added.some((f) => f.rule === 'unlinked-chain-broken'));
  if (restores.length) {
    const until = restores
      .flatMap((e) => e.added.filter((f) => f.rule === 'unlinked-chain-broken').map((f) => f.dueAt))
      .filter((d): d is string => d !== null)
      .sort()
      .at(-1);
    sentences.push(
      `${plural(restores.length, 'restore')} would fail${until ? ` for ${Math.max(0, daysUntil(until, now))} days` : ''}`,
    );
  }
  for (const status of ['critical', 'warning', 'unknown'] as const) {
    const worse = environments.filter(
      (e) => e.after.status === status && statusRank[e.now.status] < statusRank[status],
    );
    if (worse.length) sentences.push(`${plural(worse.length, 'environment')} would become ${status}`);
  }
  const better = environments.filter((e) => statusRank[e.after.status] < statusRank[e.now.status]);
  if (better.length) sentences.push(`${plural(better.length, 'environment')} would improve`);
  const recovering = environments.filter((e) => e.conditions?.length).length;
  if (recovering)
    sentences.push(
      `key-access-failing would clear for ${plural(recovering, 'environment')} once Power Platform's next call with the key succeeds`,
    );
  if (!sentences.length)
    sentences.push(`${plural(environments.length, 'environment')} would change findings, not status`);
  return `${sentences.join('; ')}.`;
}
