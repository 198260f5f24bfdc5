// Only with dataPlaneKeyReads: the data-plane fallback where Resource Manager refuses. Key metadata on one vault a
// policy uses (versions, attributes, rotation policy): never key material, never a
// cryptographic operation. RBAC vaults: Key Vault Reader on the vault; access-policy vaults: keys get, list and
// getrotationpolicy.
param vaultName string
param rbac bool
param principalId string
param tenantId string

var keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (rbac) {
  name: guid(vault.id, principalId, keyVaultReader)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultReader)
  }
}

// 'add' merges this entry into the vault's access policies and leaves the others as they are.
resource accessPolicy 'Microsoft.KeyVault/vaults/accessPolicies@2024-11-01' = if (!rbac) {
  parent: vault
  name: 'add'
  properties: {
    accessPolicies: [
      {
        tenantId: tenantId
        objectId: principalId
        permissions: { keys: ['get', 'list', 'getrotationpolicy'] }
      }
    ]
  }
}
