import type { Link } from '../shared/domain/links.js';
import type { Policy } from '../shared/domain/model.js';
import type { LinkPort } from '../shared/application/ports/stores.js';
import { enterprisePolicyResourceId, vaultResourceId } from './double/ids.js';
import type { Scenario } from './scenario.js';

const dayMs = 86_400_000;

/**
 * Writes the unlinks a scenario describes into the monitor's last inventory, as the scans before the sandbox
 * started would have recorded them: Azure keeps no trace of a removed link, only the monitor does. A kept store
 * gets them again, relative to this start as the double's keys are.
 */
export async function seedUnlinks(
  scenario: Scenario,
  links: Pick<LinkPort, 'list' | 'save'>,
  now: Date,
): Promise<number> {
  const seeded = new Map<string, Link | null>();
  for (const environment of scenario.environments) {
    const previous = scenario.policies.find((p) => p.name.toLowerCase() === environment.previousPolicy?.toLowerCase());
    if (!previous || environment.unlinkedDaysAgo === undefined) continue;
    const vault = scenario.vaults.find((v) => v.name.toLowerCase() === previous.vault.toLowerCase());
    const policy: Policy = {
      id: enterprisePolicyResourceId(
        previous.subscriptionId ?? scenario.subscriptionId,
        previous.resourceGroup,
        previous.name,
      ),
      name: previous.name,
      location: previous.location,
      vaultId: vaultResourceId(
        vault?.subscriptionId ?? scenario.subscriptionId,
        vault?.resourceGroup ?? '',
        previous.vault,
        vault?.type,
      ),
      keyName: previous.key,
      keyVersion: null,
      principalId: previous.principalId.toLowerCase(),
    };
    seeded.set(environment.id.toLowerCase(), {
      environmentId: environment.id.toLowerCase(),
      environment: {
        displayName: environment.displayName,
        location: environment.location,
        sku: environment.sku,
        managed: environment.managed,
        linkStatus: null,
      },
      policyId: null,
      policy: null,
      previous: { policy, unlinkedAt: new Date(now.getTime() - environment.unlinkedDaysAgo * dayMs).toISOString() },
      linkStatusSince: null,
    });
  }
  await links.save(await links.list(), seeded);
  return seeded.size;
}
