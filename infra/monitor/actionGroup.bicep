// Where the monitor's own alerts go (alerts.bicep, deadLetterAlerts.bicep): mail to the monitor's admins, and a
// webhook if one is given. Action groups are global resources.
// API: specification/monitor/resource-manager/Microsoft.Insights/stable/2023-01-01/actionGroups_API.json in
// Azure/azure-rest-api-specs, the newest stable version there.
// Receivers and the common alert schema: https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups
param tags object

@minLength(1)
@description('Addresses of the monitor\'s admins, already split and without repeats.')
param emails string[]

@secure()
@description('An https URL that takes the common alert schema (a pager, a chat bridge); empty: mail only.')
param webhookUrl string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-cmk-monitor'
  location: 'global'
  tags: tags
  properties: {
    // Shown in the mails and texts Azure sends; at most 12 characters.
    groupShortName: 'cmk-monitor'
    enabled: true
    emailReceivers: map(range(0, length(emails)), i => {
      name: 'monitor-admin-${i + 1}'
      emailAddress: emails[i]
      useCommonAlertSchema: true
    })
    webhookReceivers: empty(webhookUrl) ? [] : [
      {
        name: 'monitor-webhook'
        serviceUri: webhookUrl
        useCommonAlertSchema: true
      }
    ]
  }
}

output id string = actionGroup.id
