import type { Environment, Policy } from '../../../domain/model.js';
import type { AzureRestReader } from './azureRest.js';
import { listEncryptionPolicies, type ListedPolicy } from './armPolicies.js';
import type { InventoryListed, InventorySource, PolicyListing, Skipped } from '../../../application/ports/inventory.js';
import { listEnvironments, unreportedOf, type ListedEnvironment } from './powerPlatformEnvironments.js';

export interface AzureInventoryOptions {
  arm: AzureRestReader;
  armEndpoint: string;
  powerPlatform: AzureRestReader;
  powerPlatformEndpoint: string;
  subscriptionIds: string[];
}

/**
 * Policies from ARM per subscription, environments from the Power Platform admin API, both listed at once. A
 * subscription that cannot be listed is reported, not fatal; the environment list is the base of everything, so
 * its failure is.
 */
export class AzureInventory implements InventorySource {
  constructor(private readonly options: AzureInventoryOptions) {}

  async read(onPage: (environments: Environment[], listing: PolicyListing) => void): Promise<InventoryListed> {
    const { arm, armEndpoint, powerPlatform, powerPlatformEndpoint, subscriptionIds } = this.options;
    const listings = Promise.all(
      subscriptionIds.map((subscriptionId) =>
        listEncryptionPolicies(arm, armEndpoint, subscriptionId).then(
          (page) => ({ subscriptionId, page, detail: null }),
          (error: unknown) => ({
            subscriptionId,
            page: null,
            detail: error instanceof Error ? error.message : String(error),
          }),
        ),
      ),
    );
    const listed = listings.then((pages) => ({
      match: policyMatcher(pages.flatMap((p) => p.page?.policies ?? [])),
      unreadable: pages.flatMap((p) =>
        p.detail ? [{ subscriptionId: p.subscriptionId.toLowerCase(), detail: p.detail }] : [],
      ),
      skipped: pages.flatMap((p) => p.page?.skipped ?? []),
    }));
    let environments = 0;
    const skipped: Skipped[] = [];
    const unreported: Skipped[] = [];
    for await (const page of listEnvironments(powerPlatform, powerPlatformEndpoint)) {
      const { match, unreadable } = await listed;
      environments += page.environments.length;
      skipped.push(...page.skipped);
      unreported.push(...page.environments.flatMap((environment) => unreportedOf(environment) ?? []));
      onPage(page.environments.map(match), { policies: match.policies, unreadable });
    }
    const { match, unreadable, skipped: policiesSkipped } = await listed;
    return {
      policies: match.policies,
      unreadable,
      environments,
      skipped: [...policiesSkipped, ...skipped],
      unreported,
    };
  }
}

type Matcher = ((listed: ListedEnvironment) => Environment) & { policies: Policy[] };

/**
 * Matches an environment's link to a policy by ARM id, else by system id, case-insensitively: two lookups built once,
 * so matching grows with environments plus policies, not their product.
 */
function policyMatcher(listed: ListedPolicy[]): Matcher {
  const policies = listed.map(({ systemId: _systemId, ...policy }) => policy);
  const byId = new Map(policies.map((policy) => [policy.id.toLowerCase(), policy]));
  const bySystemId = new Map(
    listed.flatMap((policy, i) =>
      policy.systemId ? [[policy.systemId.toLowerCase(), policies[i] as Policy] as const] : [],
    ),
  );
  const match = ({ link, ...rest }: ListedEnvironment): Environment => {
    if (!link) return { ...rest, policyId: null, linkStatus: null };
    const policy =
      (link.policyId && byId.get(link.policyId.toLowerCase())) ||
      (link.systemId && bySystemId.get(link.systemId.toLowerCase())) ||
      null;
    return { ...rest, policyId: policy?.id ?? link.policyId ?? link.systemId, linkStatus: link.linkStatus };
  };
  return Object.assign(match, { policies });
}
