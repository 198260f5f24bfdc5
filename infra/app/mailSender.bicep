// Lets the monitor's identity send mail through one Communication Services resource and nothing more. The
// built-in "Communication and Email Service Owner" would also let it list keys and delete the resource; these are
// the actions Microsoft's guide to sending with an Entra identity lists for a custom role.
param communicationServiceName string
param principalId string

resource communication 'Microsoft.Communication/communicationServices@2025-05-01' existing = {
  name: communicationServiceName
}

resource sender 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'cmk-monitor-email-sender')
  properties: {
    roleName: 'CMK monitor email sender (${resourceGroup().name})'
    description: 'Send email through Azure Communication Services Email.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, principalId, sender.id)
  scope: communication
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: sender.id
  }
}
