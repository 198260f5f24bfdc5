/** The parts the integration tests build their double's scenarios from, each healthy unless a test says otherwise. */

/** A key version created `createdDaysAgo` days ago that expires in `expiresInDays` (null: never), enabled unless told. */
export const version = (createdDaysAgo: number, expiresInDays: number | null, enabled = true) => ({
  enabled,
  createdDaysAgo,
  expiresInDays,
});

/** An RSA 2048 key with these versions and a rotation policy: a year's life, notified 30 days before it ends. */
export const key = (name: string, versions: ReturnType<typeof version>[]) => ({
  name,
  kty: 'RSA',
  size: 2048,
  versions,
  rotationPolicy: { expiresAfter: 'P1Y', notifyBefore: 'P30D' },
});

/** The settings of a vault the scan finds nothing wrong with: soft delete, purge protection, reachable by Power Platform. */
export const healthyVault = {
  softDelete: true,
  purgeProtection: true,
  publicNetworkAccess: 'Enabled',
  networkDefaultAction: 'Allow',
  trustedServicesBypass: true,
};

/** A role assignment giving `principalId` Key Vault Crypto Service Encryption User on the whole vault. */
export const grant = (principalId: string) => ({
  principalId,
  roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
  scope: 'vault',
});

/** An enterprise policy in rg-cmk, in europe, whose identity `principalId` uses `keyName` in `vault`. */
export const policy = (name: string, vault: string, keyName: string, principalId: string) => ({
  name,
  resourceGroup: 'rg-cmk',
  location: 'europe',
  vault,
  key: keyName,
  principalId,
});

/** A managed environment in europe linked to `policyName` (null: none), a production one unless told. */
export const environment = (id: string, displayName: string, policyName: string | null, sku = 'Production') => ({
  id,
  displayName,
  location: 'europe',
  sku,
  managed: true,
  policy: policyName,
});

/** A healthy RBAC vault in rg-cmk that holds `keys` and grants each of `principals` the role a policy identity needs. */
export const healthyVaultOf = (name: string, principals: string[], keys: ReturnType<typeof key>[]) => ({
  name,
  resourceGroup: 'rg-cmk',
  rbac: true,
  ...healthyVault,
  roleAssignments: principals.map(grant),
  keys,
});
