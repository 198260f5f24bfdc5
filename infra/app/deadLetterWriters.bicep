// Storage Blob Data Contributor on the dead-letter container, and only there, for each topic's identity.
param storageAccountName string
param deadLetterContainer string
param vaultTopicPrincipalIds string[]
param subscriptionTopicPrincipalIds string[]

var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' existing = {
  parent: account
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' existing = {
  parent: blobs
  name: deadLetterContainer
}

resource writers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in filter(concat(vaultTopicPrincipalIds, subscriptionTopicPrincipalIds), id => !empty(id)): {
  name: guid(container.id, principalId, blobDataContributor)
  scope: container
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
  }
}]
