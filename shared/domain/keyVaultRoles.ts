/**
 * The built-in roles that can serve a customer-managed key, with their data actions as Microsoft publishes them
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). The monitor evaluates these without
 * reading their definitions; the sandbox's double serves them.
 */
export const keyVaultDataRoles = {
  cryptoServiceEncryptionUser: {
    guid: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
    dataActions: [
      'Microsoft.KeyVault/vaults/keys/read',
      'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
    ],
  },
  cryptoUser: {
    guid: '12338af0-0e69-4776-bea7-57ae8d297424',
    dataActions: [
      'Microsoft.KeyVault/vaults/keys/read',
      'Microsoft.KeyVault/vaults/keys/update/action',
      'Microsoft.KeyVault/vaults/keys/backup/action',
      'Microsoft.KeyVault/vaults/keys/encrypt/action',
      'Microsoft.KeyVault/vaults/keys/decrypt/action',
      'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
      'Microsoft.KeyVault/vaults/keys/sign/action',
      'Microsoft.KeyVault/vaults/keys/verify/action',
    ],
  },
  cryptoOfficer: {
    guid: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
    dataActions: ['Microsoft.KeyVault/vaults/keys/*', 'Microsoft.KeyVault/vaults/keyrotationpolicies/*'],
  },
  administrator: {
    guid: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    dataActions: ['Microsoft.KeyVault/vaults/*'],
  },
} as const;
