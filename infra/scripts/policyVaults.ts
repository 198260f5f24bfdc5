/**
 * `npm run infra:vaults [-- --set]`: the Key Vaults the encryption enterprise policies of POLICY_SUBSCRIPTION_IDS
 * use, and the subscriptions holding them, with the Event Grid system topic each already has (Azure allows one
 * per source, so the template reuses it). Prints MONITORED_VAULTS and VAULT_SUBSCRIPTIONS; with --set, stores
 * them in the azd environment. A subscription or vault it cannot read stops it before it prints anything.
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';
import type { ListedPolicy } from '../../shared/adapters/azure/inventory/armPolicies.js';
import { parseKeyVaultId } from '../../shared/domain/resourceIds.js';
import {
  distinctVaults,
  listPolicies,
  listSystemTopics,
  readVault,
  topicOf,
  topicTypes,
  type ListedVault,
  type SystemTopic,
} from './armInventory.js';
import {
  armEndpoint,
  armReader,
  failure,
  readSettings,
  run,
  subscriptionIds,
  type MonitoredVault,
  type VaultSubscription,
} from './deployInputs.js';

const script = 'infra:vaults';

const settings = z.object({ POLICY_SUBSCRIPTION_IDS: subscriptionIds, ARM_ENDPOINT: armEndpoint });

await run(script, async () => {
  const { values } = parseArgs({ options: { set: { type: 'boolean', default: false } } });
  const { POLICY_SUBSCRIPTION_IDS: policySubscriptions, ARM_ENDPOINT: endpoint } = readSettings(settings, process.env);
  const { arm, credential } = armReader(endpoint);

  const policies: ListedPolicy[] = [];
  for (const subscriptionId of policySubscriptions)
    policies.push(...(await listPolicies(arm, endpoint, subscriptionId, note)));

  const reads = await Promise.all(
    distinctVaults(policies, note).map((vault) => vaultRead(credential, endpoint, vault)),
  );
  const vaults = reads.flatMap((vault) => (vault ? [vault] : []));
  vaults.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));

  const subscriptions = [
    ...new Map(vaults.map((vault) => [vault.subscriptionId.toLowerCase(), vault.subscriptionId])).values(),
  ];
  const topics = new Map<string, SystemTopic[]>();
  for (const subscriptionId of subscriptions)
    topics.set(subscriptionId.toLowerCase(), await listSystemTopics(arm, endpoint, subscriptionId, note));
  const topicsOf = (subscriptionId: string) => topics.get(subscriptionId.toLowerCase()) ?? [];

  const monitoredVaults: MonitoredVault[] = vaults.map((vault) => ({
    id: vault.id,
    location: vault.location,
    rbac: vault.rbac,
    systemTopicId: topicOf(topicsOf(vault.subscriptionId), topicTypes.vault, vault.id),
  }));
  const vaultSubscriptions: VaultSubscription[] = subscriptions.map((subscriptionId) => ({
    subscriptionId,
    systemTopicId: topicOf(topicsOf(subscriptionId), topicTypes.subscription, `/subscriptions/${subscriptionId}`),
  }));

  const output = {
    MONITORED_VAULTS: JSON.stringify(monitoredVaults),
    VAULT_SUBSCRIPTIONS: JSON.stringify(vaultSubscriptions),
  };
  note(`${policies.length} encryption policies use ${vaults.length} vaults in ${subscriptions.length} subscriptions`);
  for (const [name, value] of Object.entries(output)) process.stdout.write(`${name}=${value}\n`);
  if (values.set) {
    for (const [name, value] of Object.entries(output)) await azdEnvSet(name, value);
  }
});

interface VaultRead {
  id: string;
  subscriptionId: string;
  location: string;
  rbac: boolean;
}

/** Null when the vault no longer exists: nothing can be granted on it (the monitor reports it). */
async function vaultRead(
  credential: TokenCredential,
  endpoint: string,
  listed: ListedVault,
): Promise<VaultRead | null> {
  const vault = await readVault(credential, endpoint, listed, note);
  if (!vault) return null;
  const id = vault.id ?? listed.id;
  if (!vault.location)
    throw new Error(`vault ${listed.id} could not be read (ARM returned vault ${id} without a location)`);
  return {
    id,
    subscriptionId: parseKeyVaultId(id)?.subscriptionId ?? listed.subscriptionId,
    location: vault.location,
    rbac: vault.properties.enableRbacAuthorization === true,
  };
}

async function azdEnvSet(name: string, value: string): Promise<void> {
  try {
    await promisify(execFile)('azd', ['env', 'set', name, value]);
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(
      `azd env set ${name} failed: ${typeof stderr === 'string' && stderr.trim() ? stderr.trim() : failure(error)}`,
      { cause: error },
    );
  }
}

function note(message: string): void {
  process.stderr.write(`${script}: ${message}\n`);
}
