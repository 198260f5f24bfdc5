import type { EnvironmentEvaluation } from '../domain/environmentStatus.js';
import { evaluate } from '../domain/evaluate.js';
import type { Link } from '../domain/links.js';
import type { Chain, Environment } from '../domain/model.js';
import type { RuleOptions } from '../domain/rules/rule.js';
import { nameOf } from '../domain/resourceIds.js';

/**
 * Evaluates one environment on the chains read: the chain of the policy it is linked to, and the one it left
 * less than 30 days ago. `unseen` explains a linked policy whose chain could not be read at all.
 */
export function evaluateEnvironment(
  environment: Environment,
  link: Link,
  chains: Map<string, Chain>,
  now: Date,
  options: RuleOptions,
  unseen: (policyId: string) => string,
): Omit<EnvironmentEvaluation, 'observedAt'> {
  const chain = link.policyId
    ? (link.policy && chains.get(link.policy.id.toLowerCase())) ||
      unseenPolicyChain(environment, link.policyId, unseen(link.policyId))
    : null;
  const previous = link.previous && chains.get(link.previous.policy.id.toLowerCase());
  const unlink = previous ? { chain: previous, unlinkedAt: new Date(link.previous?.unlinkedAt ?? now) } : null;
  const policy = chain?.policy ?? null;
  const key = chain?.key.kind === 'found' ? chain.key.value : null;
  // An environment off every policy is still watched for the chain it left: name that one.
  const watched = policy ?? link.previous?.policy ?? null;
  return {
    environmentId: environment.id,
    displayName: environment.displayName,
    policyId: link.policyId,
    policyName: policy?.name || null,
    vault: chain?.vault.kind === 'found' ? chain.vault.value.name : watched ? nameOf(watched.vaultId) : null,
    key: watched?.keyName || null,
    keyVersion: key?.currentVersion || null,
    sku: environment.sku,
    evaluation: evaluate(
      { environment, chain, unlink, linkStatusSince: link.linkStatusSince ? new Date(link.linkStatusSince) : null },
      now,
      options,
    ),
  };
}

/** Evaluates the environment a stored link describes, on the chains read. */
export function evaluateLink(
  link: Link,
  chains: Map<string, Chain>,
  now: Date,
  options: RuleOptions,
): Omit<EnvironmentEvaluation, 'observedAt'> {
  const environment = { id: link.environmentId, ...link.environment, policyId: link.policyId };
  return evaluateEnvironment(
    environment,
    link,
    chains,
    now,
    options,
    (policyId) => `Enterprise policy ${policyId} was not in the last inventory`,
  );
}

/**
 * An environment linked to a policy the monitor cannot see (outside the configured subscriptions, or in one
 * that failed to list): its whole chain is unknown, which the rules report as monitor-blind.
 */
function unseenPolicyChain(environment: Environment, policyId: string, detail: string): Chain {
  const blind = { kind: 'blind', detail } as const;
  return {
    policy: {
      id: policyId,
      name: nameOf(policyId),
      location: environment.location,
      vaultId: '',
      keyName: '',
      keyVersion: null,
      principalId: '',
    },
    vault: blind,
    key: blind,
    grants: blind,
  };
}
