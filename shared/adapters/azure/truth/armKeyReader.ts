import {
  KeyVaultManagementClient,
  type Key as VaultKey,
  type KeyVaultManagementClientOptionalParams,
  type ManagedHsmKey,
} from '@azure/arm-keyvault';
import type { TokenCredential } from '@azure/core-auth';
import type { Key, KeyVersion, Readout, Vault } from '../../../domain/model.js';
import { memoize } from '../../../memoize.js';
import { readout } from './readout.js';
import { parseVaultId, type VaultResourceId } from '../../../domain/resourceIds.js';

/**
 * A key's current version, every version's attributes and its rotation policy, from Resource Manager
 * (`Keys_Get`, `Keys_GetVersion`, `Keys_ListVersions`; azure-rest-api-specs Microsoft.KeyVault/KeyVault/stable/2026-02-01
 * examples getKey.json, listKeyVersions.json). A vault's firewall does not gate it: "Key Vault firewalls and virtual
 * network rules only apply to the data plane" (learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints),
 * and Reader's `*\/read` covers `Microsoft.KeyVault/vaults/keys/read`. Two reads a key: Keys_Get carries the policy.
 * A Managed HSM's keys come the same way from `managedHSMs/keys` (ManagedHsmKeys_Get, _GetVersion, _ListVersions;
 * examples managedHsmGetKey.json, managedHsmListKeyVersions.json), in the same shape.
 */
export class ArmKeyReader {
  private readonly client: (subscriptionId: string) => KeyVaultManagementClient;

  constructor(credential: TokenCredential, options: KeyVaultManagementClientOptionalParams) {
    this.client = memoize((subscriptionId) => new KeyVaultManagementClient(credential, subscriptionId, options));
  }

  async read(vault: Vault, keyName: string, pinnedVersion: string | null): Promise<Readout<Key>> {
    const parsed = parseVaultId(vault.id);
    if (!parsed)
      return { kind: 'blind', detail: `${vault.id} is neither a Key Vault's nor a Managed HSM's resource id` };
    const keys = this.keysOf(parsed);
    return readout(
      `Key ${keyName} in ${parsed.type === 'managedHsm' ? 'Managed HSM' : 'vault'} ${vault.name}`,
      async () => {
        const [latest, versions] = await Promise.all([
          keys.get(parsed.resourceGroup, parsed.name, keyName),
          listVersions(keys, parsed, keyName),
        ]);
        const current = pinnedVersion
          ? await keys.getVersion(parsed.resourceGroup, parsed.name, keyName, pinnedVersion).catch((error: unknown) => {
              // A pinned version that is gone leaves the key readable; the rules report the missing version.
              if ((error as { statusCode?: number }).statusCode === 404) return latest;
              throw error;
            })
          : latest;
        const policy = latest.rotationPolicy;
        return {
          vaultName: vault.name,
          name: keyName,
          kty: current.kty ?? 'unknown',
          size: current.keySize ?? null,
          versions,
          currentVersion: pinnedVersion ?? versionOf(latest),
          // As on the data plane: only an expiry or a Rotate action counts, not the Notify action Key Vault adds.
          hasRotationPolicy:
            Boolean(policy?.attributes?.expiryTime) ||
            (policy?.lifetimeActions ?? []).some((a) => a.action?.type?.toLowerCase() === 'rotate'),
        } satisfies Key;
      },
    );
  }

  private keysOf(parsed: VaultResourceId): Keys {
    const client = this.client(parsed.subscriptionId);
    return parsed.type === 'managedHsm' ? client.managedHsmKeys : client.keys;
  }
}

type ArmKey = VaultKey | ManagedHsmKey;

/** The reads of `vaults/keys` and `managedHSMs/keys`, which take the same arguments and answer the same shape. */
interface Keys {
  get(resourceGroup: string, name: string, keyName: string): Promise<ArmKey>;
  getVersion(resourceGroup: string, name: string, keyName: string, version: string): Promise<ArmKey>;
  listVersions(resourceGroup: string, name: string, keyName: string): AsyncIterable<ArmKey>;
}

async function listVersions(
  keys: Keys,
  vault: { resourceGroup: string; name: string },
  keyName: string,
): Promise<KeyVersion[]> {
  const versions: KeyVersion[] = [];
  for await (const version of keys.listVersions(vault.resourceGroup, vault.name, keyName))
    versions.push(toVersion(version));
  return versions;
}

function toVersion(key: ArmKey): KeyVersion {
  const a = key.attributes ?? {};
  return {
    version: versionOf(key),
    enabled: a.enabled !== false,
    createdOn: date(a.created),
    updatedOn: date(a.updated),
    expiresOn: date(a.expires),
    notBefore: date(a.notBefore),
  };
}

/** The version id: a version's resource name, or the last segment of the current version's URI. */
function versionOf(key: ArmKey): string {
  if (key.type?.toLowerCase().endsWith('/versions') && key.name) return key.name;
  return key.keyUriWithVersion?.split('/').at(-1) ?? '';
}

function date(seconds: number | undefined): Date | null {
  return seconds === undefined ? null : new Date(seconds * 1000);
}
