// The Event Hub Key Vault's diagnostic settings stream AuditEvent records to, for the monitor's keyVaultAuditEvents
// function, which reads it with its managed identity (Azure Event Hubs Data Receiver on the hub). A diagnostic
// setting authenticates with a namespace authorization rule holding Manage, Send and Listen
// (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings, "Destinations"), so the namespace
// keeps local authentication on; the monitor itself uses no key.
//
// Whoever holds a key of that rule or of the namespace's own RootManageSharedAccessKey, or is granted Azure Event Hubs
// Data Sender or Data Owner here, can send records Key Vault never wrote. Only Event Hubs' enqueued time is beyond
// them: the monitor rejects a record dated more than 5 minutes after it or before the hub's retention, and counts the
// quiet period of key-access-failing from it. Denying all networks but trusted services (Azure Monitor is one) would
// also shut out the function app, which runs in no virtual network here.
param location string
param tags object
@minLength(13)
param resourceToken string
param eventHubName string
param receiverPrincipalId string

// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var eventHubsDataReceiver = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: 'evhns-${resourceToken}'
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: 1 }
  properties: {
    minimumTlsVersion: '1.2'
    disableLocalAuth: false
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: 2
    // shared/adapters/events/auditRecord.ts (auditHubRetentionDays) rejects a record older than this at its arrival.
    messageRetentionInDays: 1
  }
}

resource diagnostics 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' = {
  parent: namespace
  name: 'key-vault-diagnostics'
  properties: { rights: ['Manage', 'Listen', 'Send'] }
}

resource receiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hub.id, receiverPrincipalId, eventHubsDataReceiver)
  scope: hub
  properties: {
    principalId: receiverPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiver)
  }
}

output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output authorizationRuleId string = diagnostics.id
output eventHubName string = hub.name
