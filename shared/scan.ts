import { ChainReader, uniquePolicies } from './chains.js';
import { assess, vaultNameOf } from './assess.js';
import { advance, type Assessment, type EnvironmentStatus } from './domain/environmentStatus.js';
import { summarizeCoverage, type EventCoverageSummary, type VaultEvents } from './domain/eventCoverage.js';
import { reconcileLink, type Link } from './domain/links.js';
import type { Chain, Policy, Status } from './domain/model.js';
import type { RuleOptions } from './domain/rules.js';
import { subscriptionOf, type Inventory, type InventorySource } from './inventory/inventory.js';
import type { InventoryStore } from './store/inventoryStore.js';
import type { KeySnapshot, KeyStore } from './store/keyStore.js';
import type { ScanStore } from './store/scanStore.js';
import type { PlannedTransition, StatusStore } from './store/statusStore.js';
import type { Truth } from './truth/truth.js';

export interface ScanDependencies {
  inventory: InventorySource;
  truth: () => Truth;
  statuses: StatusStore;
  keys: KeyStore;
  links: InventoryStore;
  scans: ScanStore;
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
  writes: { environments: number; transactions: number; keys: number; links: number };
  failed: number;
  /**
   * Throttled answers (429, 503) from Azure or Table Storage that the clients waited out and retried while the scan
   * ran (events handled by the same instance meanwhile count too).
   */
  throttled: number;
  /** Whether the vaults' events reach the monitor; null when not read. */
  events: EventCoverageSummary | null;
}

const source = 'scan';

/** Reads the inventory and every chain in it, judges every environment behind them, and records what changed. */
export async function scan(deps: ScanDependencies, now = new Date()): Promise<ScanSummary> {
  const started = Date.now();
  const throttledBefore = deps.throttled?.() ?? 0;
  const observedAt = new Date().toISOString();
  // Everything the scan reads that does not depend on the inventory is read while the environment list pages in,
  // and each policy's chain as soon as an environment linked to it arrives.
  const stored = Promise.all([deps.links.list(), deps.statuses.list(), deps.keys.list()]);
  stored.catch(() => undefined);
  const chainReader = new ChainReader(deps.truth(), deps.concurrency);
  const inventory = await deps.inventory.read((linked) => linked.forEach((policy) => chainReader.read(policy)));
  for (const item of inventory.skipped) deps.log(`Skipped ${item.source}: ${item.reason}`);
  for (const { subscriptionId, detail } of inventory.unreadable) deps.log(`Enterprise policies of subscription ${subscriptionId} could not be listed: ${detail}`);

  const [storedLinks, storedStatuses, storedKeys] = await stored;
  const policies = new Map(inventory.policies.map((policy) => [policy.id.toLowerCase(), policy]));
  const links = nextLinks(inventory, policies, storedLinks, now);

  const watched = [...links.values()].filter((link): link is Link => link !== null);
  const chainPolicies = uniquePolicies(watched.flatMap((link) => [link.policy, link.previous?.policy]));
  for (const policy of chainPolicies) chainReader.read(policy);
  const vaultIds = [...new Map(chainPolicies.filter((p) => p.vaultId).map((p) => [p.vaultId.toLowerCase(), p.vaultId])).values()];
  const [chains, vaultEvents] = await Promise.all([chainReader.all(), deps.eventCoverage?.(vaultIds) ?? null]);
  if (vaultEvents) withEvents(chains, vaultEvents);
  for (const vault of vaultEvents ?? []) if (vault.coverage === 'unknown') deps.log(`Event coverage of vault ${vault.vaultName} is not known: ${vault.detail}`);

  const environments = new Map(inventory.environments.map((environment) => [environment.id, environment]));
  const assessments = new Map<string, Assessment>();
  for (const link of watched) {
    const environment = environments.get(link.environmentId);
    if (!environment) continue;
    const assessment = assess(environment, link, chains, now, deps.ruleOptions, (policyId) => unseenPolicyDetail(policyId, inventory));
    assessments.set(link.environmentId, { ...assessment, observedAt });
  }

  const replan = (environmentId: string, fresh: EnvironmentStatus | null) =>
    advance(fresh, assessments.get(environmentId) ?? null, now, source);
  const planned: PlannedTransition[] = [];
  for (const environmentId of new Set([...assessments.keys(), ...storedStatuses.keys()])) {
    const previous = storedStatuses.get(environmentId) ?? null;
    const transition = replan(environmentId, previous?.value ?? null);
    if (transition) planned.push({ environmentId, previous, transition });
  }
  const [committed, keyWrites, linkWrites] = await Promise.all([
    deps.statuses.commit(planned, replan),
    deps.keys.save(storedKeys, observedKeys(chains), now),
    deps.links.save(storedLinks, links),
  ]);
  for (const failure of committed.failed) deps.log(`Status of environment ${failure.environmentId} not saved: ${failure.error}`);

  const summary: ScanSummary = {
    at: now.toISOString(),
    durationMs: Date.now() - started,
    environments: assessments.size,
    byStatus: countByStatus([...assessments.values()].map((a) => a.evaluation.status)),
    policies: inventory.policies.length,
    vaults: new Set(chainPolicies.map((p) => p.vaultId.toLowerCase())).size,
    keys: new Set(chainPolicies.map((p) => `${p.vaultId}|${p.keyName}`.toLowerCase())).size,
    skipped: inventory.skipped.length,
    unreadableSubscriptions: inventory.unreadable.length,
    writes: {
      environments: committed.environments,
      transactions: committed.transactions,
      keys: keyWrites.written,
      links: linkWrites.written,
    },
    failed: committed.failed.length,
    throttled: (deps.throttled?.() ?? 0) - throttledBefore,
    events: vaultEvents ? summarizeCoverage(vaultEvents) : null,
  };
  await deps.scans.record({ at: summary.at, summary });
  return summary;
}

/** Every environment's link now; null for one that left the inventory or has nothing left to watch. */
function nextLinks(
  inventory: Inventory,
  policies: Map<string, Policy>,
  stored: Map<string, { link: Link }>,
  now: Date,
): Map<string, Link | null> {
  const links = new Map<string, Link | null>();
  for (const environment of inventory.environments) {
    const policy = environment.policyId ? policies.get(environment.policyId.toLowerCase()) ?? null : null;
    const current = { policyId: policy?.id ?? environment.policyId, policy };
    links.set(environment.id, reconcileLink(stored.get(environment.id)?.link ?? null, environment, current, now));
  }
  for (const environmentId of stored.keys()) if (!links.has(environmentId)) links.set(environmentId, null);
  return links;
}

function unseenPolicyDetail(policyId: string, inventory: Inventory): string {
  const subscriptionId = subscriptionOf(policyId);
  const failure = inventory.unreadable.find((u) => u.subscriptionId === subscriptionId);
  return failure
    ? `Enterprise policy ${policyId} could not be read: ${failure.detail}`
    : `Enterprise policy ${policyId} is not among the encryption policies of the configured subscriptions`;
}

function observedKeys(chains: Map<string, Chain>): { vaultName: string; keyName: string; snapshot: KeySnapshot }[] {
  const observed = new Map<string, { vaultName: string; keyName: string; snapshot: KeySnapshot }>();
  for (const { policy, key } of chains.values()) {
    if (key.kind === 'blind') continue;
    const vaultName = vaultNameOf(policy.vaultId);
    observed.set(`${vaultName}|${policy.keyName}`.toLowerCase(), { vaultName, keyName: policy.keyName, snapshot: key });
  }
  return [...observed.values()];
}

/** Sets on each chain whether its vault's events reach the monitor. */
export function withEvents(chains: Map<string, Chain>, vaults: Pick<VaultEvents, 'vaultName' | 'coverage'>[]): void {
  const byName = new Map(vaults.map((vault) => [vault.vaultName.toLowerCase(), vault.coverage]));
  for (const chain of chains.values()) {
    const coverage = byName.get(vaultNameOf(chain.policy.vaultId).toLowerCase());
    if (coverage) chain.events = coverage;
  }
}

function countByStatus(statuses: Status[]): Record<Status, number> {
  const counts: Record<Status, number> = { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 };
  for (const status of statuses) counts[status]++;
  return counts;
}
