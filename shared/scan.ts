import { ChainReader } from './chains.js';
import { assess, vaultNameOf } from './assess.js';
import { advance, type Assessment, type EnvironmentStatus } from './domain/environmentStatus.js';
import { summarizeCoverage, type EventCoverageSummary, type VaultEvents } from './domain/eventCoverage.js';
import { reconcileLink, type Link } from './domain/links.js';
import type { Chain, Environment, Policy, Status } from './domain/model.js';
import type { RuleOptions } from './domain/rules.js';
import { subscriptionOf, type InventorySource, type PolicyListing } from './inventory/inventory.js';
import type { InventoryStore, StoredLink } from './store/inventoryStore.js';
import type { KeySnapshot, KeyStore } from './store/keyStore.js';
import type { ScanStore } from './store/scanStore.js';
import type { PlannedTransition, StatusStore, Versioned } from './store/statusStore.js';
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

/**
 * Reads the inventory and every chain in it, judges every environment behind them, and records what changed. Each page
 * of the environment list is judged as soon as its chains are read, while the next pages are still arriving.
 */
export async function scan(deps: ScanDependencies, now = new Date()): Promise<ScanSummary> {
  const started = Date.now();
  const throttledBefore = deps.throttled?.() ?? 0;
  const observedAt = new Date().toISOString();
  // What the scan reads that does not depend on the inventory is read while the environment list pages in.
  const stored = Promise.all([deps.links.list(), deps.statuses.list(), deps.keys.list()]);
  stored.catch(() => undefined);
  const chains = new ChainReader(deps.truth(), deps.concurrency);
  const judge = new Judgement(deps, chains, stored, now, observedAt);
  const inventory = await deps.inventory.read((environments, listing) => judge.page(environments, listing));
  for (const item of inventory.skipped) deps.log(`Skipped ${item.source}: ${item.reason}`);
  for (const { subscriptionId, detail } of inventory.unreadable) deps.log(`Enterprise policies of subscription ${subscriptionId} could not be listed: ${detail}`);

  const { links, assessments, byStatus, chainPolicies, vaultEvents } = await judge.done(inventory);
  const [storedLinks, storedStatuses, storedKeys] = await stored;
  // Every environment judged, and every stored status whose environment was not (gone, or nothing left to watch).
  const replan = (environmentId: string, fresh: EnvironmentStatus | null) => advance(fresh, assessments.get(environmentId) ?? null, now, source);
  const planned: PlannedTransition[] = [...judge.planned];
  for (const [environmentId, previous] of storedStatuses) {
    if (judge.judged.has(environmentId)) continue;
    const transition = replan(environmentId, previous.value);
    if (transition) planned.push({ environmentId, previous, transition });
  }
  const [committed, keyWrites, linkWrites] = await Promise.all([
    deps.statuses.commit(planned, replan),
    deps.keys.save(storedKeys, observedKeys(await chains.all()), now),
    deps.links.save(storedLinks, links),
  ]);
  for (const failure of committed.failed) deps.log(`Status of environment ${failure.environmentId} not saved: ${failure.error}`);

  const summary: ScanSummary = {
    at: now.toISOString(),
    durationMs: Date.now() - started,
    environments: judge.judged.size,
    byStatus,
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

type Stored = Promise<[Map<string, StoredLink>, Map<string, Versioned<EnvironmentStatus>>, unknown]>;

/**
 * Judges the environment list a page at a time: links each environment, reads its chains (each once, however many
 * pages need it), judges it, and keeps only what must be written, so nothing per environment outlives its page but
 * its link and a status that changed.
 */
class Judgement {
  readonly links = new Map<string, Link | null>();
  readonly judged = new Set<string>();
  readonly planned: PlannedTransition[] = [];
  private readonly assessments = new Map<string, Assessment>();
  private readonly byStatus: Record<Status, number> = { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 };
  private readonly pages: Promise<void>[] = [];
  private readonly chainPolicies = new Map<string, Policy>();
  private listing: { policies: Map<string, Policy>; unreadable: PolicyListing['unreadable'] } | null = null;
  private coverage: Promise<VaultEvents[] | null> | null = null;

  constructor(
    private readonly deps: ScanDependencies,
    private readonly chains: ChainReader,
    private readonly stored: Stored,
    private readonly now: Date,
    private readonly observedAt: string,
  ) {}

  page(environments: Environment[], listing: PolicyListing): void {
    this.listing ??= { policies: new Map(listing.policies.map((policy) => [policy.id.toLowerCase(), policy])), unreadable: listing.unreadable };
    const task = this.judgePage(environments);
    task.catch(() => undefined);
    this.pages.push(task);
  }

  /** Once the list has ended: the links of every environment (null for one gone) and the statuses judged. */
  async done(inventory: PolicyListing) {
    this.listing ??= { policies: new Map(inventory.policies.map((policy) => [policy.id.toLowerCase(), policy])), unreadable: inventory.unreadable };
    await Promise.all(this.pages);
    const [storedLinks] = await this.stored;
    for (const environmentId of storedLinks.keys()) if (!this.links.has(environmentId)) this.links.set(environmentId, null);
    const chainPolicies = [...this.chainPolicies.values()];
    const used = new Set(chainPolicies.map((policy) => vaultNameOf(policy.vaultId).toLowerCase()));
    const vaultEvents = (await this.vaultCoverage())?.filter((vault) => used.has(vault.vaultName.toLowerCase())) ?? null;
    for (const vault of vaultEvents ?? []) if (vault.coverage === 'unknown') this.deps.log(`Event coverage of vault ${vault.vaultName} is not known: ${vault.detail}`);
    return { links: this.links, assessments: this.assessments, byStatus: this.byStatus, chainPolicies, vaultEvents };
  }

  private async judgePage(environments: Environment[]): Promise<void> {
    const [storedLinks, storedStatuses] = await this.stored;
    const { policies } = this.listing ?? { policies: new Map<string, Policy>() };
    const watched: { environment: Environment; link: Link }[] = [];
    for (const environment of environments) {
      const policy = environment.policyId ? policies.get(environment.policyId.toLowerCase()) ?? null : null;
      const link = reconcileLink(storedLinks.get(environment.id)?.link ?? null, environment, { policyId: policy?.id ?? environment.policyId, policy }, this.now);
      this.links.set(environment.id, link);
      if (!link) continue;
      watched.push({ environment, link });
      for (const chainPolicy of [link.policy, link.previous?.policy]) {
        if (!chainPolicy) continue;
        this.chainPolicies.set(chainPolicy.id.toLowerCase(), chainPolicy);
        this.chains.read(chainPolicy);
      }
    }
    const pageChains = new Map<string, Chain>();
    const [coverage] = await Promise.all([
      this.vaultCoverage(),
      ...watched.flatMap(({ link }) =>
        [link.policy, link.previous?.policy].map(async (policy) => {
          if (policy) pageChains.set(policy.id.toLowerCase(), await this.chains.read(policy));
        }),
      ),
    ]);
    if (coverage) withEvents(pageChains, coverage);
    for (const { environment, link } of watched) {
      const assessment = {
        ...assess(environment, link, pageChains, this.now, this.deps.ruleOptions, (policyId) => this.unseenPolicyDetail(policyId)),
        observedAt: this.observedAt,
      };
      this.judged.add(environment.id);
      this.byStatus[assessment.evaluation.status]++;
      const previous = storedStatuses.get(environment.id) ?? null;
      const transition = advance(previous?.value ?? null, assessment, this.now, source);
      if (!transition) continue;
      this.assessments.set(environment.id, assessment);
      this.planned.push({ environmentId: environment.id, previous, transition });
    }
  }

  /**
   * Whether each vault's events reach the monitor, read once for the vaults of every listed policy and of every policy
   * an environment recently left, so that pages can be judged before the list ends.
   */
  private vaultCoverage(): Promise<VaultEvents[] | null> {
    const read = this.deps.eventCoverage;
    if (!read) return Promise.resolve(null);
    this.coverage ??= this.stored.then(([storedLinks]) => {
      const vaultIds = new Map<string, string>();
      const add = (policy: Policy | null | undefined) => {
        if (policy?.vaultId) vaultIds.set(policy.vaultId.toLowerCase(), policy.vaultId);
      };
      for (const policy of this.listing?.policies.values() ?? []) add(policy);
      for (const { link } of storedLinks.values()) [link.policy, link.previous?.policy].forEach(add);
      return read([...vaultIds.values()]);
    });
    return this.coverage;
  }

  private unseenPolicyDetail(policyId: string): string {
    const subscriptionId = subscriptionOf(policyId);
    const failure = this.listing?.unreadable.find((u) => u.subscriptionId === subscriptionId);
    return failure
      ? `Enterprise policy ${policyId} could not be read: ${failure.detail}`
      : `Enterprise policy ${policyId} is not among the encryption policies of the configured subscriptions`;
  }
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
