// One monitored vault's diagnostic setting: its AuditEvent records to the monitor's Event Hub (same region).
// AuditEvent alone: the allLogs group would also stream AzurePolicyEvaluationDetails, which is billed.
param vaultName string
param name string
param authorizationRuleId string
param eventHubName string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource setting 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: vault
  properties: {
    eventHubAuthorizationRuleId: authorizationRuleId
    eventHubName: eventHubName
    logs: [{ category: 'AuditEvent', enabled: true }]
  }
}
