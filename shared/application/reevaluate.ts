import { evaluateLink } from './evaluateEnvironment.js';
import { readChains, uniquePolicies, withEvents, withRefusals } from './chains.js';
import { advance, type EnvironmentStatus } from '../domain/environmentStatus.js';
import type { VaultEvents } from '../domain/eventCoverage.js';
import type { Link } from '../domain/links.js';
import type { Chain, Policy } from '../domain/model.js';
import type { RefusalStreak } from '../domain/refusals.js';
import type { RuleOptions } from '../domain/rules/rule.js';
import type { ChainHint } from './hint.js';
import type { ChainPort, PlannedTransition, StatusPort } from './ports/stores.js';
import type { Truth } from './ports/truth.js';

export interface ReevaluateDependencies {
  truth: () => Truth;
  statuses: Pick<StatusPort, 'getMany' | 'commit'>;
  /** Where the chains re-read are kept: the picture a what-if changes. */
  chains: Pick<ChainPort, 'get' | 'save'>;
  /** The links of the last inventory. */
  links: () => Promise<Link[]>;
  ruleOptions: RuleOptions;
  concurrency: number;
  /** The vaults whose events do not reach the monitor, as the last scan found them. */
  eventCoverage?: () => Promise<Pick<VaultEvents, 'vaultName' | 'coverage'>[]>;
  /** The refused calls of policy identities that Key Vault's audit records told. */
  refusals: () => Promise<RefusalStreak[]>;
}

export interface Reevaluation {
  /** Environments behind the chain the hint names. */
  environments: number;
  /** Environments whose status was written. */
  changed: number;
  /** The statuses of the environments behind the chain (every environment of the keys it touched) as this run left them. */
  statuses: EnvironmentStatus[];
  policies: number;
}

/** A read that may succeed if Event Grid delivers the event again (5xx, throttling, network). */
export class TransientReadError extends Error {
  override readonly name = 'TransientReadError';
}

/**
 * Re-reads the truth of the chains an event points at, re-evaluates only the environments behind them and keeps the
 * chains read, as a scan does. The event is a hint: its payload is never taken as the state. Safe to run twice, out of
 * order, and on two instances at once (the status commit replays a lost ETag race against the fresh row; the chains
 * are written over what was stored before the read began, so a read that another overtook loses its ETag race).
 */
export async function reevaluate(
  deps: ReevaluateDependencies,
  hint: ChainHint,
  source: string,
  now = new Date(),
): Promise<Reevaluation> {
  const affected = (await deps.links()).filter((link) =>
    [link.policy, link.previous?.policy].some((policy) => policy && concerns(hint, policy)),
  );
  if (!affected.length) return { environments: 0, changed: 0, policies: 0, statuses: [] };

  const policies = uniquePolicies(affected.flatMap((link) => [link.policy, link.previous?.policy]));
  const storedChains = await deps.chains.get(policies.map((policy) => policy.id));
  const observedAt = new Date().toISOString();
  const [chains, coverage, refusals] = await Promise.all([
    readChains(policies, deps.truth(), deps.concurrency),
    deps.eventCoverage?.() ?? [],
    deps.refusals(),
  ]);
  withEvents(chains, coverage);
  withRefusals(chains, refusals);

  const environmentEvaluations = new Map(
    affected.map((link) => [link.environmentId, { ...evaluateLink(link, chains, now, deps.ruleOptions), observedAt }]),
  );
  // Every plan and replan leaves here the status it would commit; the last one stands once the commit succeeds.
  const outcome = new Map<string, EnvironmentStatus | null>();
  const replan = (environmentId: string, fresh: EnvironmentStatus | null) => {
    const environmentEvaluation = environmentEvaluations.get(environmentId);
    const transition = environmentEvaluation ? advance(fresh, environmentEvaluation, now, source) : null;
    outcome.set(environmentId, transition ? transition.next : fresh);
    return transition;
  };
  const stored = await deps.statuses.getMany([...environmentEvaluations.keys()]);
  const planned: PlannedTransition[] = [];
  for (const environmentId of environmentEvaluations.keys()) {
    const previous = stored.get(environmentId) ?? null;
    const transition = replan(environmentId, previous?.value ?? null);
    if (transition) planned.push({ environmentId, previous, transition });
  }
  const [committed] = await Promise.all([
    deps.statuses.commit(planned, replan),
    deps.chains.save(storedChains, [...chains.values()], now),
  ]);
  if (committed.failed.length) throw new Error(`Statuses not saved for ${source}: ${committed.failed[0]?.error}`);
  const transient = [...chains.values()].flatMap(retryableReads);
  if (transient.length)
    throw new TransientReadError(`Could not read the chain for ${source}; Event Grid will retry: ${transient[0]}`);
  const statuses = [...outcome.values()].filter((status): status is EnvironmentStatus => status !== null);
  return { environments: affected.length, changed: committed.environments, policies: policies.length, statuses };
}

/** Whether a change to what the hint names can affect a policy's chain. */
export function concerns(hint: ChainHint, policy: Policy): boolean {
  const vaultId = normalize(policy.vaultId);
  switch (hint.kind) {
    case 'key':
      return (
        (hint.vaultId ? normalize(hint.vaultId) === vaultId : vaultId.endsWith(`/${hint.vaultName.toLowerCase()}`)) &&
        hint.keyName.toLowerCase() === policy.keyName.toLowerCase()
      );
    case 'vault':
      return normalize(hint.vaultId) === vaultId;
    case 'access': {
      const scope = normalize(hint.scope);
      if (!scope.startsWith('/subscriptions/')) return true; // the tenant root or a management group: above every vault
      return vaultId === scope || vaultId.startsWith(`${scope}/`) || scope.startsWith(`${vaultId}/`);
    }
  }
}

function normalize(id: string): string {
  return id.trim().toLowerCase().replace(/\/+$/, '');
}

function retryableReads(chain: Chain): string[] {
  return [chain.vault, chain.key, chain.grants].flatMap((read) =>
    read.kind === 'blind' && read.retryable ? [read.detail] : [],
  );
}
