import { ChainReader } from './chains.js';
import { advance, type EnvironmentStatus } from '../domain/environmentStatus.js';
import { summarizeCoverage, type EventCoverageSummary, type VaultEvents } from '../domain/eventCoverage.js';
import type { Status } from '../domain/model.js';
import type { RuleOptions } from '../domain/rules/rule.js';
import type { InventoryListed, InventorySource } from './ports/inventory.js';
import { blindSpotsOf, keepsStatuses, scanFailed, type BlindSpot } from './sight.js';
import { PagedEvaluation } from './pagedEvaluation.js';
import { quote } from '../text/logText.js';
import {
  type ChainPort,
  type LinkPort,
  type PlannedTransition,
  type RefusalPort,
  type ScanPort,
  type StatusPort,
  sumCommits,
} from './ports/stores.js';
import type { Truth } from './ports/truth.js';

export interface ScanDependencies {
  inventory: InventorySource;
  truth: () => Truth;
  statuses: Pick<StatusPort, 'list' | 'commit'>;
  chains: Pick<ChainPort, 'list' | 'save'>;
  links: Pick<LinkPort, 'list' | 'save'>;
  scans: Pick<ScanPort, 'record' | 'recordFailure'>;
  refusals: Pick<RefusalPort, 'list'>;
  ruleOptions: RuleOptions;
  concurrency: number;
  log: (message: string) => void;
  /** Throttled answers (429, 503) this process has met so far; the scan reports how many came during it. */
  throttled?: () => number;
  /** Whether each vault's events reach the monitor; absent when not read (a file inventory, or FUNCTION_APP_ID unset). */
  eventCoverage?: (vaultIds: string[]) => Promise<VaultEvents[]>;
}

export interface ScanSummary {
  at: string;
  durationMs: number;
  environments: number;
  byStatus: Record<Status, number>;
  policies: number;
  vaults: number;
  keys: number;
  skipped: number;
  unreadableSubscriptions: number;
  writes: { environments: number; transactions: number; chains: number; links: number };
  failed: number;
  /**
   * Throttled answers (429, 503) from Azure or Table Storage that the clients waited out and retried while the scan
   * ran (events handled by the same instance meanwhile count too).
   */
  throttled: number;
  /** Whether the vaults' events reach the monitor; null when not read. */
  events: EventCoverageSummary | null;
  /** What the scan could not see; the monitor is `degraded` while any is listed. */
  blindSpots: BlindSpot[];
}

const source = 'scan';

/**
 * Reads the inventory and every chain in it, evaluates every environment behind them, and records what changed. Each page
 * of the environment list is evaluated as soon as its chains are read, while the next pages are still arriving.
 */
export async function scan(deps: ScanDependencies, now = new Date()): Promise<ScanSummary> {
  const started = Date.now();
  const throttledBefore = deps.throttled?.() ?? 0;
  const observedAt = new Date().toISOString();
  // What the scan reads that does not depend on the inventory is read while the environment list pages in.
  const stored = Promise.all([deps.links.list(), deps.statuses.list(), deps.chains.list()]);
  stored.catch(() => undefined);
  const chains = new ChainReader(deps.truth(), deps.concurrency);
  const evaluation = new PagedEvaluation(deps, chains, stored, now, observedAt, source);
  const inventory = await readInventory(deps, evaluation, now);
  for (const item of inventory.skipped) deps.log(`Skipped ${item.source}: ${item.reason}`);
  for (const { subscriptionId, detail } of inventory.unreadable)
    deps.log(`Enterprise policies of subscription ${subscriptionId} could not be listed: ${detail}`);

  const {
    links,
    evaluated,
    committed: committedWhilePaging,
    planned: evaluatedPlanned,
    environmentEvaluations,
    byStatus,
    chainPolicies,
    vaultEvents,
    linked,
  } = await evaluation.done(inventory);
  const blindSpots = blindSpotsOf(inventory, linked, byStatus);
  for (const spot of blindSpots) deps.log(`Degraded (${spot.code}): ${quote(spot.reason, 2_000)}`);
  const [storedLinks, storedStatuses, storedChains] = await stored;
  // Evaluated through a blind spot, every linked environment would look unlinked: what is known stays as it was.
  const keep = keepsStatuses(blindSpots);
  const evaluatedChanges = keep ? [] : evaluatedPlanned;
  // Every environment evaluated, and every stored status whose environment was not (gone, or nothing left to watch).
  const replan = (environmentId: string, fresh: EnvironmentStatus | null) =>
    advance(fresh, environmentEvaluations.get(environmentId) ?? null, now, source);
  const planned: PlannedTransition[] = [...evaluatedChanges];
  for (const [environmentId, previous] of keep ? [] : storedStatuses) {
    if (evaluated.has(environmentId)) continue;
    const transition = replan(environmentId, previous.value);
    if (transition) planned.push({ environmentId, previous, transition });
  }
  const [committedAtEnd, chainWrites, linkWrites] = await Promise.all([
    deps.statuses.commit(planned, replan),
    deps.chains.save(storedChains, [...(await chains.all()).values()], now),
    keep ? { written: 0 } : deps.links.save(storedLinks, links),
  ]);
  const committed = sumCommits(committedWhilePaging, committedAtEnd);
  for (const failure of committed.failed)
    deps.log(`Status of environment ${failure.environmentId} not saved: ${failure.error}`);

  const summary: ScanSummary = {
    at: now.toISOString(),
    durationMs: Date.now() - started,
    environments: evaluated.size,
    byStatus,
    policies: inventory.policies.length,
    vaults: new Set(chainPolicies.map((p) => p.vaultId.toLowerCase())).size,
    keys: new Set(chainPolicies.map((p) => `${p.vaultId}|${p.keyName}`.toLowerCase())).size,
    skipped: inventory.skipped.length,
    unreadableSubscriptions: inventory.unreadable.length,
    writes: {
      environments: committed.environments,
      transactions: committed.transactions,
      chains: chainWrites.written,
      links: linkWrites.written,
    },
    failed: committed.failed.length,
    throttled: (deps.throttled?.() ?? 0) - throttledBefore,
    events: vaultEvents ? summarizeCoverage(vaultEvents) : null,
    blindSpots,
  };
  await deps.scans.record({ at: summary.at, summary });
  return summary;
}

/** The inventory, or a recorded failure naming why it could not be read (then the scan fails and nothing is evaluated). */
async function readInventory(deps: ScanDependencies, evaluation: PagedEvaluation, now: Date): Promise<InventoryListed> {
  try {
    return await deps.inventory.read((environments, listing) => evaluation.page(environments, listing));
  } catch (error) {
    await deps.scans.recordFailure({ at: now.toISOString(), reason: scanFailed(error).reason }).catch(() => undefined);
    throw error;
  }
}
