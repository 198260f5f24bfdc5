import { evaluateEnvironment } from './evaluateEnvironment.js';
import { withEvents, withRefusals, type ChainReader } from './chains.js';
import { advance, type EnvironmentEvaluation, type EnvironmentStatus } from '../domain/environmentStatus.js';
import type { VaultEvents } from '../domain/eventCoverage.js';
import { reconcileLink, type Link } from '../domain/links.js';
import type { Chain, Environment, Policy, Status } from '../domain/model.js';
import type { RefusalStreak } from '../domain/refusals.js';
import { nameOf, subscriptionOf } from '../domain/resourceIds.js';
import type { RuleOptions } from '../domain/rules/rule.js';
import type { PolicyListing } from './ports/inventory.js';
import {
  type CommitResult,
  type PlannedTransition,
  type StatusPort,
  type StoredLink,
  sumCommits,
  type Versioned,
} from './ports/stores.js';

export interface PagedEvaluationDependencies {
  statuses: Pick<StatusPort, 'commit'>;
  ruleOptions: RuleOptions;
  log: (message: string) => void;
  /** Whether each vault's events reach the monitor; absent when not read. */
  eventCoverage?: (vaultIds: string[]) => Promise<VaultEvents[]>;
  /** The refused calls of policy identities that Key Vault's audit records told. */
  refusals: { list(): Promise<RefusalStreak[]> };
}

/**
 * Status changes committed while the list still pages in, this many at a time: about 50 environments for each of the
 * 16 partitions, so each transaction carries close to its 100 rows.
 */
const commitEvery = 800;

export type Stored = Promise<[ReadonlyMap<string, StoredLink>, Map<string, Versioned<EnvironmentStatus>>, unknown]>;

/**
 * Evaluates the environment list a page at a time: links each environment, reads its chains (each once, however many
 * pages need it), evaluates it, and keeps only what must be written, so nothing per environment outlives its page but
 * its link and a status that changed.
 */
export class PagedEvaluation {
  private readonly links = new Map<string, Link | null>();
  private readonly evaluated = new Set<string>();
  private readonly planned: PlannedTransition[] = [];
  private readonly environmentEvaluations = new Map<string, EnvironmentEvaluation>();
  private readonly byStatus: Record<Status, number> = { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 };
  private readonly pages: Promise<void>[] = [];
  private readonly chainPolicies = new Map<string, Policy>();
  /** Environments linked to a listed policy: none while policies are listed means the links were not seen. */
  private linked = 0;
  private listing: { policies: Map<string, Policy>; unreadable: PolicyListing['unreadable'] } | null = null;
  private coverage: Promise<VaultEvents[] | null> | null = null;
  private refusals: Promise<RefusalStreak[]> | null = null;
  /** The commits made so far, one after another, with what they did. */
  private committed: Promise<CommitResult> = Promise.resolve({ environments: 0, transactions: 0, failed: [] });

  constructor(
    private readonly deps: PagedEvaluationDependencies,
    private readonly chains: ChainReader,
    private readonly stored: Stored,
    private readonly now: Date,
    private readonly observedAt: string,
    private readonly source: string,
  ) {}

  page(environments: Environment[], listing: PolicyListing): void {
    this.listing ??= {
      policies: new Map(listing.policies.map((policy) => [policy.id.toLowerCase(), policy])),
      unreadable: listing.unreadable,
    };
    const task = this.evaluatePage(environments);
    task.catch(() => undefined);
    this.pages.push(task);
  }

  /**
   * Once the list has ended: the links of every environment (null for one gone), the environments evaluated, what the
   * commits made while paging did, the status changes still to commit with their environmentEvaluations, the count by status,
   * the policies whose chains were read, and event coverage.
   */
  async done(inventory: PolicyListing) {
    this.listing ??= {
      policies: new Map(inventory.policies.map((policy) => [policy.id.toLowerCase(), policy])),
      unreadable: inventory.unreadable,
    };
    await Promise.all(this.pages);
    const [storedLinks] = await this.stored;
    for (const environmentId of storedLinks.keys())
      if (!this.links.has(environmentId)) this.links.set(environmentId, null);
    const chainPolicies = [...this.chainPolicies.values()];
    const used = new Set(chainPolicies.map((policy) => nameOf(policy.vaultId).toLowerCase()));
    const vaultEvents =
      (await this.vaultCoverage())?.filter((vault) => used.has(vault.vaultName.toLowerCase())) ?? null;
    for (const vault of vaultEvents ?? [])
      if (vault.coverage === 'unknown')
        this.deps.log(`Event coverage of vault ${vault.vaultName} is not known: ${vault.detail}`);
    const committed = await this.committed;
    const { links, evaluated, planned, environmentEvaluations, byStatus, linked } = this;
    return {
      links,
      evaluated,
      committed,
      planned,
      environmentEvaluations,
      byStatus,
      chainPolicies,
      vaultEvents,
      linked,
    };
  }

  private async evaluatePage(environments: Environment[]): Promise<void> {
    const [storedLinks, storedStatuses] = await this.stored;
    const { policies } = this.listing ?? { policies: new Map<string, Policy>() };
    const watched: { environment: Environment; link: Link }[] = [];
    for (const environment of environments) {
      const policy = environment.policyId ? (policies.get(environment.policyId.toLowerCase()) ?? null) : null;
      if (policy) this.linked++;
      const link = reconcileLink(
        storedLinks.get(environment.id)?.link ?? null,
        environment,
        { policyId: policy?.id ?? environment.policyId, policy },
        this.now,
      );
      this.links.set(environment.id, link);
      if (!link) continue;
      watched.push({ environment, link });
    }
    // A policy an environment left may still be listed (others use it): its chain is read as listed now, not as the
    // stored link remembers it.
    const chainPolicies = new Map<string, Policy>();
    for (const { link } of watched) {
      for (const policy of [link.policy, link.previous?.policy]) {
        if (policy) chainPolicies.set(policy.id.toLowerCase(), policies.get(policy.id.toLowerCase()) ?? policy);
      }
    }
    for (const [id, policy] of chainPolicies) this.chainPolicies.set(id, policy);
    const pageChains = new Map<string, Chain>();
    this.refusals ??= this.deps.refusals.list();
    const [coverage, refusals] = await Promise.all([
      this.vaultCoverage(),
      this.refusals,
      ...[...chainPolicies].map(async ([id, policy]) => pageChains.set(id, await this.chains.read(policy))),
    ]);
    if (coverage) withEvents(pageChains, coverage);
    withRefusals(pageChains, refusals);
    for (const { environment, link } of watched) {
      const environmentEvaluation = {
        ...evaluateEnvironment(environment, link, pageChains, this.now, this.deps.ruleOptions, (policyId) =>
          this.unseenPolicyDetail(policyId),
        ),
        observedAt: this.observedAt,
      };
      this.evaluated.add(environment.id);
      this.byStatus[environmentEvaluation.evaluation.status]++;
      const previous = storedStatuses.get(environment.id) ?? null;
      const transition = advance(previous?.value ?? null, environmentEvaluation, this.now, this.source);
      if (!transition) continue;
      this.environmentEvaluations.set(environment.id, environmentEvaluation);
      this.planned.push({ environmentId: environment.id, previous, transition });
    }
    // Nothing is written before a link to a listed policy is seen: a list that hides the links must not unlink everyone.
    if (this.linked > 0 && this.planned.length >= commitEvery) this.commitPlanned();
  }

  /**
   * Commits the changes planned so far after the commits before them, so a first scan of 20,000 environments writes
   * while it reads and holds no more than a few batches of changes at once.
   */
  private commitPlanned(): void {
    const batch = this.planned.splice(0);
    const replan = (environmentId: string, fresh: EnvironmentStatus | null) =>
      advance(fresh, this.environmentEvaluations.get(environmentId) ?? null, this.now, this.source);
    this.committed = this.committed.then(async (before) => {
      const result = await this.deps.statuses.commit(batch, replan);
      for (const { environmentId } of batch) this.environmentEvaluations.delete(environmentId);
      return sumCommits(before, result);
    });
    this.committed.catch(() => undefined);
  }

  /**
   * Whether each vault's events reach the monitor, read once for the vaults of every listed policy and of every policy
   * an environment recently left, so that pages can be evaluated before the list ends.
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
