import type { Environment } from '../domain/model.js';
import type { AzureRestReader } from './azureRest.js';
import { listEncryptionPolicies, type ListedPolicy } from './armPolicies.js';
import type { Inventory, InventorySource, Skipped } from './inventory.js';
import { listEnvironments, type ListedEnvironment } from './powerPlatformEnvironments.js';

export interface AzureInventoryOptions {
  arm: AzureRestReader;
  armEndpoint: string;
  powerPlatform: AzureRestReader;
  powerPlatformEndpoint: string;
  subscriptionIds: string[];
}

/**
 * Policies from ARM per subscription, environments from the Power Platform admin API. A subscription that
 * cannot be listed is reported, not fatal; the environment list is the base of everything, so its failure is.
 */
export class AzureInventory implements InventorySource {
  constructor(private readonly options: AzureInventoryOptions) {}

  async read(): Promise<Inventory> {
    const { arm, armEndpoint, powerPlatform, powerPlatformEndpoint, subscriptionIds } = this.options;
    const [pages, listed] = await Promise.all([
      Promise.all(
        subscriptionIds.map((subscriptionId) =>
          listEncryptionPolicies(arm, armEndpoint, subscriptionId).then(
            (page) => ({ subscriptionId, page, detail: null }),
            (error: unknown) => ({ subscriptionId, page: null, detail: error instanceof Error ? error.message : String(error) }),
          ),
        ),
      ),
      listEnvironments(powerPlatform, powerPlatformEndpoint),
    ]);
    const policies = pages.flatMap((p) => p.page?.policies ?? []);
    const skipped: Skipped[] = [...pages.flatMap((p) => p.page?.skipped ?? []), ...listed.skipped];
    return {
      policies: policies.map(({ systemId: _systemId, ...policy }) => policy),
      environments: listed.environments.map(withPolicyFrom(policies)),
      unreadable: pages.flatMap((p) => (p.detail ? [{ subscriptionId: p.subscriptionId.toLowerCase(), detail: p.detail }] : [])),
      skipped,
    };
  }
}

/**
 * Matches an environment's link to a policy by ARM id, else by system id, case-insensitively: two lookups built once,
 * so matching grows with environments plus policies, not their product.
 */
function withPolicyFrom(policies: ListedPolicy[]): (environment: ListedEnvironment) => Environment {
  const byId = new Map(policies.map((policy) => [policy.id.toLowerCase(), policy]));
  const bySystemId = new Map(policies.flatMap((policy) => (policy.systemId ? [[policy.systemId.toLowerCase(), policy] as const] : [])));
  return ({ link, ...rest }) => {
    if (!link) return { ...rest, policyId: null, linkStatus: null };
    const policy = (link.policyId && byId.get(link.policyId.toLowerCase())) || (link.systemId && bySystemId.get(link.systemId.toLowerCase())) || null;
    return { ...rest, policyId: policy?.id ?? link.policyId ?? link.systemId, linkStatus: link.linkStatus };
  };
}
