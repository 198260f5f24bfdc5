/** What holds a policy's key: a Key Vault (`Microsoft.KeyVault/vaults`) or a Managed HSM (`Microsoft.KeyVault/managedHSMs`). */
export type VaultType = 'vault' | 'managedHsm';

/** The name an ARM resource id ends with (a trailing slash ignored): a vault's, a policy's, a role definition's GUID. */
export function nameOf(resourceId: string): string {
  return resourceId.split('/').filter(Boolean).pop() ?? resourceId;
}

/** The parts of an ARM id of a Key Vault or a Managed HSM: /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/{vaults|managedHSMs}/{name} */
export interface VaultResourceId {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  type: VaultType;
}

export function parseVaultId(id: string): VaultResourceId | null {
  const match =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/(vaults|managedHSMs)\/([^/]+)\/?$/i.exec(
      id.trim(),
    );
  if (!match) return null;
  const [, subscriptionId = '', resourceGroup = '', type = '', name = ''] = match;
  return { subscriptionId, resourceGroup, name, type: type.toLowerCase() === 'vaults' ? 'vault' : 'managedHsm' };
}

/** A Key Vault's id (not a Managed HSM's): what Event Grid, access policies and Key Vault roles apply to. */
export function parseKeyVaultId(id: string): VaultResourceId | null {
  const parsed = parseVaultId(id);
  return parsed?.type === 'vault' ? parsed : null;
}

/** The subscription an ARM id names, lower-cased; null when it names none. */
export function subscriptionOf(resourceId: string): string | null {
  return /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1]?.toLowerCase() ?? null;
}
