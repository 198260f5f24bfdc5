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
        // Every one of these may be absent (Azure/azure-rest-api-specs .../KeyVault/stable/2026-02-01/examples/getVault.json
        // has none of enableSoftDelete, enablePurgeProtection, enableRbacAuthorization, networkAcls); absent reads as Azure
        // documents it. Soft delete: mandatory on vaults since it became the default, so absent means on.
        softDelete: p.enableSoftDelete !== false,
        // Purge protection "does not accept false": absent means off.
        purgeProtection: p.enablePurgeProtection === true,
        // "Vaults where enableRbacAuthorization is null ... continue using access policies"
        // (learn.microsoft.com/azure/key-vault/general/access-control-default).
        rbac: p.enableRbacAuthorization === true,
        publicNetworkAccess: p.publicNetworkAccess?.toLowerCase() === 'disabled' ? 'Disabled' : 'Enabled',
        // No networkAcls: no firewall. NetworkRuleSet.bypass: "If not specified the default is 'AzureServices'".
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
