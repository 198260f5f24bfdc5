/**
 * What infra:vaults and infra:teardown read from ARM: the encryption enterprise policies, the Key Vaults they use,
 * and the Event Grid system topics of the subscriptions holding those vaults. Each read that fails throws an error
 * naming what could not be read; what is skipped is told to `note`.
 */
import { KeyVaultManagementClient, type Vault } from '@azure/arm-keyvault';
import type { TokenCredential } from '@azure/core-auth';
import { listEncryptionPolicies, type ListedPolicy } from '../../shared/adapters/azure/inventory/armPolicies.js';
import type { AzureRestReader } from '../../shared/adapters/azure/inventory/azureRest.js';
import { listSystemTopics as listTopics, type SystemTopic } from '../../shared/adapters/azure/truth/eventCoverage.js';
import { parseKeyVaultId, parseVaultId, type VaultResourceId } from '../../shared/domain/resourceIds.js';
import { failure } from './deployInputs.js';

export type Note = (message: string) => void;

export type ListedVault = VaultResourceId & { id: string };

export { systemTopicsApiVersion, type SystemTopic } from '../../shared/adapters/azure/truth/eventCoverage.js';

export async function listPolicies(
  arm: AzureRestReader,
  endpoint: string,
  subscriptionId: string,
  note: Note,
): Promise<ListedPolicy[]> {
  const page = await listEncryptionPolicies(arm, endpoint, subscriptionId).catch((error: unknown) => {
    throw new Error(`the enterprise policies of subscription ${subscriptionId} could not be read (${failure(error)})`);
  });
  for (const skipped of page.skipped) note(`skipped ${skipped.source}: ${skipped.reason}`);
  return page.policies;
}

/**
 * Distinct by ARM id whatever its case. A Managed HSM is reported and left out: it has no Event Grid events to wire
 * and no Key Vault role or access policy to grant; Reader on its subscription is all the monitor needs there.
 */
export function distinctVaults(policies: ListedPolicy[], note: Note): ListedVault[] {
  const vaults = new Map<string, ListedVault>();
  for (const policy of policies) {
    const parsed = parseKeyVaultId(policy.vaultId);
    const hsm = parseVaultId(policy.vaultId);
    if (hsm?.type === 'managedHsm') {
      note(
        `Managed HSM ${hsm.name} (policy ${policy.id}) publishes no events: the scan reads its keys through Resource Manager ` +
          `with Reader on subscription ${hsm.subscriptionId} (list it in POLICY_SUBSCRIPTION_IDS if it holds no policy)`,
      );
    } else if (!parsed)
      note(`skipped the vault of enterprise policy ${policy.id}: ${policy.vaultId} is not a Key Vault resource id`);
    else if (!vaults.has(policy.vaultId.toLowerCase()))
      vaults.set(policy.vaultId.toLowerCase(), { ...parsed, id: policy.vaultId });
  }
  return [...vaults.values()];
}

/** The vault as ARM has it; null when it no longer exists. */
export async function readVault(
  credential: TokenCredential,
  endpoint: string,
  listed: ListedVault,
  note: Note,
): Promise<Vault | null> {
  const { subscriptionId, resourceGroup, name, id } = listed;
  try {
    return await new KeyVaultManagementClient(credential, subscriptionId, { endpoint }).vaults.get(resourceGroup, name);
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) {
      note(`skipped vault ${id}: it does not exist (${failure(error)})`);
      return null;
    }
    throw new Error(`vault ${id} could not be read (${failure(error)})`, { cause: error });
  }
}

export async function listSystemTopics(
  arm: AzureRestReader,
  endpoint: string,
  subscriptionId: string,
  note: Note,
): Promise<SystemTopic[]> {
  return listTopics(arm, endpoint, subscriptionId, (reason) => note(`skipped ${reason}`)).catch((error: unknown) => {
    throw new Error(
      `the Event Grid system topics of subscription ${subscriptionId} could not be read (${failure(error)})`,
    );
  });
}

export const topicTypes = {
  vault: 'Microsoft.KeyVault.vaults',
  subscription: 'Microsoft.Resources.Subscriptions',
} as const;

/** The id of the system topic of that type on that source, or '' when there is none. ARM lists both in any case. */
export function topicOf(topics: SystemTopic[], topicType: string, source: string): string {
  const same = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
  return (
    topics.find((topic) => same(topic.properties.topicType, topicType) && same(topic.properties.source, source))?.id ??
    ''
  );
}

/** Distinct whatever their case, in the order first met, each in the spelling first met. */
export function distinctIds(ids: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const id of ids) if (!seen.has(id.toLowerCase())) seen.set(id.toLowerCase(), id);
  return [...seen.values()];
}
