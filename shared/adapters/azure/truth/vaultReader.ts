import {
  KeyVaultManagementClient,
  type KeyVaultManagementClientOptionalParams,
  type ManagedHsm,
  type Vault as ArmVault,
} from '@azure/arm-keyvault';
import type { TokenCredential } from '@azure/core-auth';
import type { Readout, Vault } from '../../../domain/model.js';
import { memoize } from '../../../memoize.js';
import { readout } from './readout.js';
import { parseVaultId, type VaultResourceId } from '../../../domain/resourceIds.js';

/** Vault properties from ARM: recovery, permission model, access policies, network; for a Key Vault or a Managed HSM. */
export class VaultReader {
  private readonly client: (subscriptionId: string) => KeyVaultManagementClient;

  constructor(credential: TokenCredential, options: KeyVaultManagementClientOptionalParams) {
    this.client = memoize((subscriptionId) => new KeyVaultManagementClient(credential, subscriptionId, options));
  }

  async read(vaultId: string): Promise<Readout<Vault>> {
    const parsed = parseVaultId(vaultId);
    if (!parsed)
      return { kind: 'blind', detail: `${vaultId} is neither a Key Vault's nor a Managed HSM's resource id` };
    const client = this.client(parsed.subscriptionId);
    if (parsed.type === 'managedHsm') {
      return readout(`Managed HSM ${parsed.name}`, async () => {
        // ManagedHsms_Get answers 204 with no body for an HSM that does not exist (its spec lists 200 and 204).
        let status = 0;
        const hsm = await client.managedHsms
          .get(parsed.resourceGroup, parsed.name, { onResponse: (response) => void (status = response.status) })
          .catch((error: unknown) => {
            throw status === 204 ? gone(parsed) : error;
          });
        if (status === 204) throw gone(parsed);
        return fromManagedHsm(hsm, vaultId, parsed);
      });
    }
    return readout(`Vault ${parsed.name}`, async () =>
      fromVault(await client.vaults.get(parsed.resourceGroup, parsed.name), vaultId, parsed),
    );
  }
}

function fromVault(vault: ArmVault, vaultId: string, parsed: VaultResourceId): Vault {
  const p = vault.properties;
  if (!p.vaultUri) throw new Error(`Vault ${parsed.name} has no vaultUri`);
  return {
    id: vault.id ?? vaultId,
    name: vault.name ?? parsed.name,
    type: 'vault',
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
    ...network(p),
    accessPolicies: (p.accessPolicies ?? []).map((entry) => ({
      objectId: entry.objectId.toLowerCase(),
      keys: (entry.permissions.keys ?? []).map(String),
    })),
  };
}

/**
 * ManagedHsms_Get (azure-rest-api-specs .../KeyVault/examples/2026-03-01-preview/ManagedHsm_Get.json): `hsmUri` without a
 * trailing slash, soft delete "enabled by default for all managed HSMs and is immutable", purge protection off unless
 * set, the same network rule set as a vault. Access to its keys is the HSM's local RBAC, a data-plane setting that
 * Resource Manager does not serve: no role assignments or access policies to read here.
 */
function fromManagedHsm(hsm: ManagedHsm, vaultId: string, parsed: VaultResourceId): Vault {
  const p = hsm.properties ?? {};
  if (!p.hsmUri) throw new Error(`Managed HSM ${parsed.name} has no hsmUri`);
  return {
    id: hsm.id ?? vaultId,
    name: hsm.name ?? parsed.name,
    type: 'managedHsm',
    uri: p.hsmUri.endsWith('/') ? p.hsmUri : `${p.hsmUri}/`,
    softDelete: p.enableSoftDelete !== false,
    purgeProtection: p.enablePurgeProtection === true,
    rbac: false,
    ...network(p),
    accessPolicies: [],
  };
}

function gone(parsed: VaultResourceId): Error {
  return Object.assign(new Error(`Managed HSM ${parsed.name} does not exist (HTTP 204)`), { statusCode: 404 });
}

type NetworkProperties = Pick<Vault, 'publicNetworkAccess' | 'networkDefaultAction' | 'trustedServicesBypass'>;

function network(p: {
  publicNetworkAccess?: string;
  networkAcls?: { defaultAction?: string; bypass?: string };
}): NetworkProperties {
  return {
    publicNetworkAccess: p.publicNetworkAccess?.toLowerCase() === 'disabled' ? 'Disabled' : 'Enabled',
    // No networkAcls: no firewall. NetworkRuleSet.bypass: "If not specified the default is 'AzureServices'".
    networkDefaultAction: p.networkAcls?.defaultAction?.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
    trustedServicesBypass: (p.networkAcls?.bypass ?? 'AzureServices').toLowerCase() === 'azureservices',
  };
}
