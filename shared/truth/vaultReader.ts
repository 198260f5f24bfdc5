import { KeyVaultManagementClient, type KeyVaultManagementClientOptionalParams } from '@azure/arm-keyvault';
import type { TokenCredential } from '@azure/core-auth';
import type { Readout, Vault } from '../domain/model.js';
import { memoize } from '../memoize.js';
import { readout } from './readout.js';
import { parseVaultId } from './resourceId.js';

/** Vault properties from ARM: recovery, permission model, access policies, network. */
export class VaultReader {
  private readonly client: (subscriptionId: string) => KeyVaultManagementClient;

  constructor(credential: TokenCredential, options: KeyVaultManagementClientOptionalParams) {
    this.client = memoize((subscriptionId) => new KeyVaultManagementClient(credential, subscriptionId, options));
  }

  async read(vaultId: string): Promise<Readout<Vault>> {
    const parsed = parseVaultId(vaultId);
    if (!parsed) return { kind: 'blind', detail: `${vaultId} is not a Key Vault resource id (Managed HSM is not supported yet)` };
    return readout(`Vault ${parsed.name}`, async () => {
      const vault = await this.client(parsed.subscriptionId).vaults.get(parsed.resourceGroup, parsed.name);
      const p = vault.properties;
      if (!p.vaultUri) throw new Error(`Vault ${parsed.name} has no vaultUri`);
      return {
        id: vault.id ?? vaultId,
        name: vault.name ?? parsed.name,
        uri: p.vaultUri,
        // ARM omits enableSoftDelete on vaults created after soft delete became mandatory: absent means on.
        softDelete: p.enableSoftDelete !== false,
        purgeProtection: p.enablePurgeProtection === true,
        rbac: p.enableRbacAuthorization === true,
        publicNetworkAccess: p.publicNetworkAccess?.toLowerCase() === 'disabled' ? 'Disabled' : 'Enabled',
        networkDefaultAction: p.networkAcls?.defaultAction?.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
        trustedServicesBypass: (p.networkAcls?.bypass ?? 'AzureServices').toLowerCase() === 'azureservices',
        accessPolicies: (p.accessPolicies ?? []).map((entry) => ({
          objectId: entry.objectId.toLowerCase(),
          keys: (entry.permissions.keys ?? []).map(String),
        })),
      } satisfies Vault;
    });
  }

}
