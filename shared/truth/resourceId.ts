/** The parts of an ARM id of a Key Vault: /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name} */
export interface VaultResourceId {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export function parseVaultId(id: string): VaultResourceId | null {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)\/?$/i.exec(id.trim());
  if (!match) return null;
  const [, subscriptionId = '', resourceGroup = '', name = ''] = match;
  return { subscriptionId, resourceGroup, name };
}
