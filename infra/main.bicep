// The CMK monitor in one subscription-scoped deployment (azd up): the function app on Flex Consumption with its
// identity, storage, telemetry and optional mail, the monitor's read roles on every monitored subscription and
// vault, and (once the functions exist, WIRE_EVENTS=true) the Event Grid subscriptions that feed it.
targetScope = 'subscription'

import { monitoredVault, vaultSubscription } from 'types.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of the monitor\'s resources. Flex Consumption must be offered there.')
@metadata({ azd: { type: 'location' } })
param location string

@minLength(36)
@description('Subscriptions holding the Power Platform enterprise policies, comma-separated (SUBSCRIPTION_IDS). Set POLICY_SUBSCRIPTION_IDS with azd env set.')
param policySubscriptionIds string

@description('Key Vaults the policies use, from `npm run infra:vaults` (MONITORED_VAULTS).')
param monitoredVaults monitoredVault[] = []

@description('Subscriptions holding those vaults, with their existing ARM system topic if any (VAULT_SUBSCRIPTIONS).')
param vaultSubscriptions vaultSubscription[] = []

@description('Also grant the monitor data-plane key reads on each vault (Key Vault Reader, or an access policy keys get/list/getrotationpolicy) as a fallback where Resource Manager refuses. Off: keys are read through Resource Manager only, with Reader, which a vault firewall does not gate.')
param dataPlaneKeyReads bool = false

@description('Create the Event Grid subscriptions. The post-deploy hook sets it once the functions exist: Event Grid refuses a subscription to a function that is not deployed.')
param wireEvents bool = false

@description('Stream the AuditEvent logs of every monitored vault in the monitor\'s region to an Event Hub read by keyVaultAuditEvents (AUDIT_LOGS): disabled key versions, deleted keys and Power Platform\'s refused calls within minutes, not at the next scan.')
param auditLogs bool = false

@minLength(3)
@description('Addresses for key-side problems and outages, separated by , or ; (ALERT_TO_KEYVAULT_ADMINS).')
param alertToKeyVaultAdmins string

@minLength(3)
@description('Addresses for environment-side problems and outages, separated by , or ; (ALERT_TO_POWERPLATFORM_ADMINS).')
param alertToPowerPlatformAdmins string

@description('Addresses told when the monitor itself cannot see part of the tenant, separated by , or ; (ALERT_TO_MONITOR_ADMINS). Empty: both lists above.')
param alertToMonitorAdmins string = ''

@secure()
@description('An https URL that takes Azure Monitor\'s common alert schema (a pager, a chat bridge): the monitor\'s own alerts go there too, besides mail to ALERT_TO_MONITOR_ADMINS (MONITOR_ALERT_WEBHOOK_URL). Empty: mail only.')
param monitorAlertWebhookUrl string = ''

@secure()
@description('URL pinged after every successful scan, healthchecks.io or Uptime Kuma style (HEARTBEAT_URL); such URLs carry a token. Empty: no ping.')
param heartbeatUrl string = ''

@allowed(['acs', 'smtp', 'none'])
@description('acs: Azure Communication Services Email with an Azure-managed sender domain, created here; smtp: your server; none: alerts are recorded and wait.')
param mailTransport string = 'acs'

@description('Where Azure Communication Services keeps its data at rest (mailTransport acs), e.g. Europe, United States, UK.')
param mailDataLocation string = 'Europe'

@description('Sender address. Empty with acs: DoNotReply@ the Azure-managed domain. Required with smtp.')
param mailFrom string = ''

@description('SMTP server (mailTransport smtp).')
param smtpHost string = ''

@minValue(1)
@maxValue(65535)
param smtpPort int = 587

@description('true: TLS from the start (port 465); false: STARTTLS when offered.')
param smtpSecure bool = false

@description('SMTP user name, if the server wants one.')
param smtpUser string = ''

@description('Key Vault secret URI of the SMTP password (https://<vault>.vault.azure.net/secrets/<name>); the app reads it as a Key Vault reference, never as a literal.')
param smtpPasswordSecretUri string = ''

@description('Resource id of the vault holding that secret: the monitor gets Key Vault Secrets User on that one secret.')
param smtpVaultId string = ''

@description('NCRONTAB schedule of the scan (SCAN_SCHEDULE).')
param scanSchedule string = '0 0 * * * *'

@minValue(1)
@maxValue(64)
param scanConcurrency int = 8

@minValue(1)
@maxValue(3650)
@description('Days before expiry at which key-expiring is reported (EXPIRY_WARNING_DAYS).')
param expiryWarningDays int = 30

@description('Days before expiry at which key-expiring alerts (ALERT_THRESHOLDS_DAYS).')
param alertThresholdsDays string = '30,14,7,3,1'

@description('NCRONTAB schedule of the daily digest; empty: none (ALERT_DIGEST_SCHEDULE).')
param alertDigestSchedule string = ''

@description('Where alerts go (ALERT_CHANNELS): email, teams, slack, pagerduty, webhook, comma-separated.')
param alertChannels string = 'email'

@description('Plain settings of the chosen channels, NAME=value;NAME=value (e.g. TEAMS_MIN_SEVERITY=critical;PAGERDUTY_MIN_SEVERITY=outage).')
param alertChannelSettings string = ''

@description('Secret settings of the chosen channels, NAME=<Key Vault secret URI>;… (TEAMS_WEBHOOK_URL, SLACK_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY, WEBHOOK_URL, WEBHOOK_SECRET): each becomes a Key Vault reference, never a literal.')
param alertChannelSecretUris string = ''

@description('Resource id of the vault holding those secrets: the monitor gets Key Vault Secrets User on each of them.')
param alertChannelVaultId string = ''

@minValue(1)
@description('Days of status history kept (RETAIN_HISTORY_DAYS).')
param retainHistoryDays int = 400

@minValue(1)
@description('Days rejected events are kept (RETAIN_REJECTED_EVENTS_DAYS).')
param retainRejectedEventsDays int = 30

@minValue(1)
@description('Days daily event counts are kept (RETAIN_EVENT_COUNTS_DAYS).')
param retainEventCountsDays int = 90

@minValue(1)
@description('Days alerts are kept once sent or given up (RETAIN_SENT_ALERTS_DAYS).')
param retainSentAlertsDays int = 90

@description('Power Platform admin API (POWER_PLATFORM_ENDPOINT).')
param powerPlatformEndpoint string = 'https://api.bap.microsoft.com'

@description('Token scope of that API (POWER_PLATFORM_SCOPE).')
param powerPlatformScope string = 'https://service.powerapps.com/.default'

@minValue(40)
@maxValue(1000)
@description('Flex Consumption instance ceiling.')
param maximumInstanceCount int = 40

@minValue(1)
@maxValue(1440)
@description('Minutes without a refused call before key-access-failing clears (ACCESS_REFUSAL_QUIET_MINUTES).')
param accessRefusalQuietMinutes int = 30

@minValue(0)
@maxValue(1536)
@description('V8 heap limit of the worker in MiB (old space); 0 leaves V8 its own. See docs/benchmark.md for sizing.')
param workerHeapMiB int = 0

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var policySubscriptions = filter(map(split(policySubscriptionIds, ','), id => trim(id)), id => !empty(id))
var readSubscriptions = union(policySubscriptions, map(vaultSubscriptions, s => s.subscriptionId))
var deadLetterContainer = 'eventgrid-deadletter'
// A diagnostic setting streams only to an Event Hub in its vault's region.
var auditedVaults = filter(monitoredVaults, vault => toLower(replace(vault.location, ' ', '')) == toLower(replace(location, ' ', '')))
var auditEventHubName = 'keyvault-audit'
// Event subscription names take letters, digits and hyphens, 64 at most; infra/scripts/teardown.ts derives the same.
var eventSubscriptionName = take(replace(replace(replace(replace('cmk-monitor-${environmentName}', '_', '-'), '.', '-'), '(', '-'), ')', '-'), 64)

// A new ARM system topic goes into the resource group of the first monitored vault of its subscription.
func firstVaultIn(vaults monitoredVault[], subscriptionId string) string => filter(vaults, v => split(v.id, '/')[2] =~ subscriptionId)[0].id

// Where each system topic of the Event Grid wiring is: the source's existing one, or the one events/topic.bicep creates
// (cmk-<vault> beside the vault; cmk-arm-<subscription id> beside the subscription's first monitored vault). The
// topic modules below and the dead-letter alerts read these same places.
var vaultTopicPlaces = map(monitoredVaults, vault => {
  subscriptionId: split(empty(vault.systemTopicId) ? vault.id : vault.systemTopicId, '/')[2]
  resourceGroup: split(empty(vault.systemTopicId) ? vault.id : vault.systemTopicId, '/')[4]
  name: empty(vault.systemTopicId) ? 'cmk-${last(split(vault.id, '/'))}' : last(split(vault.systemTopicId, '/'))
})
var subscriptionTopicPlaces = map(vaultSubscriptions, vaultSubscription => {
  subscriptionId: vaultSubscription.subscriptionId
  resourceGroup: split(empty(vaultSubscription.systemTopicId) ? firstVaultIn(monitoredVaults, vaultSubscription.subscriptionId) : vaultSubscription.systemTopicId, '/')[4]
  name: empty(vaultSubscription.systemTopicId) ? 'cmk-arm-${vaultSubscription.subscriptionId}' : last(split(vaultSubscription.systemTopicId, '/'))
})

// Who hears that the monitor itself fails: ALERT_TO_MONITOR_ADMINS, else both admin lists, as the app reads them
// (shared/adapters/addresses.ts splits on commas, semicolons and spaces; sightAlerts.ts falls back to both lists).
var monitorAdminText = empty(trim(alertToMonitorAdmins)) ? '${alertToKeyVaultAdmins},${alertToPowerPlatformAdmins}' : alertToMonitorAdmins
var monitorAdmins = reduce(
  filter(split(toLower(monitorAdminText), [',', ';', ' ', '\t', '\r', '\n']), address => !empty(address)),
  [],
  (all, address) => contains(all, address) ? all : concat(all, [address])
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: { location: location, tags: tags, resourceToken: resourceToken }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: { location: location, tags: tags, resourceToken: resourceToken, deadLetterContainer: deadLetterContainer }
}

module mail 'app/mail.bicep' = if (mailTransport == 'acs') {
  name: 'mail'
  scope: rg
  params: { tags: tags, resourceToken: resourceToken, dataLocation: mailDataLocation }
}

module app 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
  }
}

module appSettings 'app/appSettings.bicep' = {
  name: 'app-settings'
  scope: rg
  params: {
    siteName: app.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    workerHeapMiB: workerHeapMiB
    channelSettings: union(channelSettings, channelSecretReferences)
    secretSettings: { HEARTBEAT_URL: heartbeatUrl }
    settings: {
      AzureWebJobsStorage__accountName: storage.outputs.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: app.outputs.clientId
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${app.outputs.clientId};Authorization=AAD'
      AZURE_CLIENT_ID: app.outputs.clientId
      SUBSCRIPTION_IDS: join(policySubscriptions, ',')
      ARM_ENDPOINT: environment().resourceManager
      POWER_PLATFORM_ENDPOINT: powerPlatformEndpoint
      POWER_PLATFORM_SCOPE: powerPlatformScope
      TABLES_ENDPOINT: storage.outputs.tableEndpoint
      TABLE_PREFIX: 'cmk'
      SCAN_SCHEDULE: scanSchedule
      SCAN_CONCURRENCY: string(scanConcurrency)
      KEY_READS: dataPlaneKeyReads ? 'auto' : 'arm'
      FUNCTION_APP_ID: app.outputs.id
      EXPIRY_WARNING_DAYS: string(expiryWarningDays)
      ACCESS_REFUSAL_QUIET_MINUTES: string(accessRefusalQuietMinutes)
      MAIL_TRANSPORT: mailTransport
      MAIL_FROM: mailTransport == 'acs' && empty(mailFrom) ? mail.?outputs.senderAddress ?? '' : mailFrom
      ACS_ENDPOINT: mail.?outputs.endpoint ?? ''
      SMTP_HOST: smtpHost
      SMTP_PORT: string(smtpPort)
      SMTP_SECURE: string(smtpSecure)
      SMTP_USER: smtpUser
      SMTP_PASSWORD: empty(smtpPasswordSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${smtpPasswordSecretUri})'
      ALERT_TO_KEYVAULT_ADMINS: alertToKeyVaultAdmins
      ALERT_TO_POWERPLATFORM_ADMINS: alertToPowerPlatformAdmins
      ALERT_TO_MONITOR_ADMINS: alertToMonitorAdmins
      ALERT_THRESHOLDS_DAYS: alertThresholdsDays
      // The timer reads %ALERT_DIGEST_SCHEDULE%, which must resolve even while the function is off.
      ALERT_DIGEST_SCHEDULE: empty(alertDigestSchedule) ? '0 0 7 * * *' : alertDigestSchedule
      'AzureWebJobs.alertDigest.Disabled': string(empty(alertDigestSchedule))
      ALERT_CHANNELS: alertChannels
      RETAIN_HISTORY_DAYS: string(retainHistoryDays)
      RETAIN_REJECTED_EVENTS_DAYS: string(retainRejectedEventsDays)
      RETAIN_EVENT_COUNTS_DAYS: string(retainEventCountsDays)
      RETAIN_SENT_ALERTS_DAYS: string(retainSentAlertsDays)
      DASHBOARD_URL: 'https://${app.outputs.hostName}/api/dashboard'
      // Without the Event Hub the trigger would have nothing to listen to.
      // https://learn.microsoft.com/azure/azure-functions/disable-function
      'AzureWebJobs.keyVaultAuditEvents.Disabled': string(!auditLogs)
      AuditEvents__fullyQualifiedNamespace: auditHub.?outputs.fullyQualifiedNamespace ?? ''
      AuditEvents__credential: 'managedidentity'
      AuditEvents__clientId: app.outputs.clientId
    }
  }
}

module mailSender 'app/mailSender.bicep' = if (mailTransport == 'acs') {
  name: 'mail-sender'
  scope: rg
  params: { communicationServiceName: mail.?outputs.name ?? '', principalId: app.outputs.principalId }
}

module smtpPassword 'access/secretReader.bicep' = if (mailTransport == 'smtp' && !empty(smtpVaultId)) {
  name: 'smtp-password-reader'
  scope: resourceGroup(split(smtpVaultId, '/')[2], split(smtpVaultId, '/')[4])
  params: {
    vaultName: last(split(smtpVaultId, '/'))
    secretName: split(smtpPasswordSecretUri, '/')[4]
    principalId: app.outputs.principalId
  }
}

// A channel's settings as NAME=value pairs (the value may hold '='; a pair never holds ';').
var channelSettingPairs = filter(split(alertChannelSettings, ';'), pair => contains(pair, '='))
var channelSettings = reduce(channelSettingPairs, {}, (all, pair) => union(all, { '${trim(split(pair, '=')[0])}': trim(substring(pair, indexOf(pair, '=') + 1)) }))
var channelSecretUris = map(filter(split(alertChannelSecretUris, ';'), pair => contains(pair, '=')), pair => { name: trim(split(pair, '=')[0]), uri: trim(substring(pair, indexOf(pair, '=') + 1)) })
var channelSecretReferences = reduce(channelSecretUris, {}, (all, secret) => union(all, { '${secret.name}': '@Microsoft.KeyVault(SecretUri=${secret.uri})' }))

module channelSecrets 'access/secretReader.bicep' = [for secret in channelSecretUris: if (!empty(alertChannelVaultId)) {
  name: 'channel-secret-${uniqueString(secret.name, environmentName)}'
  scope: resourceGroup(split(alertChannelVaultId, '/')[2], split(alertChannelVaultId, '/')[4])
  params: {
    vaultName: last(split(alertChannelVaultId, '/'))
    secretName: split(secret.uri, '/')[4]
    principalId: app.outputs.principalId
  }
}]

module subscriptionReaders 'access/subscriptionReader.bicep' = [for subscriptionId in readSubscriptions: {
  name: 'reader-${uniqueString(subscriptionId, environmentName)}'
  scope: subscription(subscriptionId)
  params: { principalId: app.outputs.principalId }
}]

module vaultReaders 'access/vaultReader.bicep' = [for vault in monitoredVaults: if (dataPlaneKeyReads) {
  name: 'vault-reader-${uniqueString(vault.id, environmentName)}'
  scope: resourceGroup(split(vault.id, '/')[2], split(vault.id, '/')[4])
  params: { vaultName: last(split(vault.id, '/')), rbac: vault.rbac, principalId: app.outputs.principalId, tenantId: tenant().tenantId }
}]

module auditHub 'events/auditHub.bicep' = if (auditLogs) {
  name: 'audit-hub'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    eventHubName: auditEventHubName
    receiverPrincipalId: app.outputs.principalId
  }
}

module auditDiagnostics 'events/auditDiagnostics.bicep' = [for vault in auditedVaults: if (auditLogs) {
  name: 'audit-${uniqueString(vault.id, environmentName)}'
  scope: resourceGroup(split(vault.id, '/')[2], split(vault.id, '/')[4])
  params: {
    vaultName: last(split(vault.id, '/'))
    name: take('cmk-monitor-${environmentName}', 64)
    authorizationRuleId: auditHub.?outputs.authorizationRuleId ?? ''
    eventHubName: auditEventHubName
  }
}]

// Key Vault events: new versions, near expiry, expired, access-policy changes. Secret and certificate events
// would only be counted and dropped. A vault's existing system topic (Azure allows one per source) is only read:
// events/topic.bicep then writes our event subscription alone, and creates a topic only where none exists.
module vaultTopics 'events/topic.bicep' = [for (vault, i) in monitoredVaults: if (wireEvents) {
  name: 'vault-events-${uniqueString(vault.id, environmentName)}'
  scope: resourceGroup(vaultTopicPlaces[i].subscriptionId, vaultTopicPlaces[i].resourceGroup)
  params: {
    topicName: vaultTopicPlaces[i].name
    topicExists: !empty(vault.systemTopicId)
    location: vault.location
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
    subscriptionName: eventSubscriptionName
    functionAppId: app.outputs.id
    functionName: 'keyVaultEvents'
    includedEventTypes: [
      'Microsoft.KeyVault.KeyNewVersionCreated'
      'Microsoft.KeyVault.KeyNearExpiry'
      'Microsoft.KeyVault.KeyExpired'
      'Microsoft.KeyVault.VaultAccessPolicyChanged'
    ]
    deadLetterStorageId: storage.outputs.id
    deadLetterContainer: deadLetterContainer
  }
}]

// ARM events of each subscription holding a vault: role assignments and definitions at any scope (a grant can
// come from the vault, its resource group or the subscription) and writes to the vaults themselves.
module subscriptionTopics 'events/topic.bicep' = [for (vaultSubscription, i) in vaultSubscriptions: if (wireEvents) {
  name: 'arm-events-${uniqueString(vaultSubscription.subscriptionId, environmentName)}'
  scope: resourceGroup(subscriptionTopicPlaces[i].subscriptionId, subscriptionTopicPlaces[i].resourceGroup)
  params: {
    topicName: subscriptionTopicPlaces[i].name
    topicExists: !empty(vaultSubscription.systemTopicId)
    location: 'global'
    source: '/subscriptions/${vaultSubscription.subscriptionId}'
    topicType: 'Microsoft.Resources.Subscriptions'
    subscriptionName: eventSubscriptionName
    functionAppId: app.outputs.id
    functionName: 'resourceEvents'
    includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess']
    advancedFilters: [
      {
        operatorType: 'StringBeginsWith'
        key: 'data.operationName'
        values: ['Microsoft.Authorization/roleAssignments/', 'Microsoft.Authorization/roleDefinitions/', 'Microsoft.KeyVault/vaults/']
      }
    ]
    deadLetterStorageId: storage.outputs.id
    deadLetterContainer: deadLetterContainer
  }
}]

module deadLetterWriters 'app/deadLetterWriters.bicep' = if (wireEvents) {
  name: 'dead-letter-writers'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    deadLetterContainer: deadLetterContainer
    vaultTopicPrincipalIds: [for (_, i) in monitoredVaults: vaultTopics[i].?outputs.principalId ?? '']
    subscriptionTopicPrincipalIds: [for (_, i) in vaultSubscriptions: subscriptionTopics[i].?outputs.principalId ?? '']
  }
}

// The monitor watches itself (docs/operations.md, When the monitor itself fails): an action group for its admins, log search alert
// rules on its own metrics, one metric alert per wired system topic for dead letters, and a workbook.
module monitorActionGroup 'monitor/actionGroup.bicep' = {
  name: 'monitor-action-group'
  scope: rg
  params: { tags: tags, emails: monitorAdmins, webhookUrl: monitorAlertWebhookUrl }
}

module monitorAlerts 'monitor/alerts.bicep' = {
  name: 'monitor-alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    actionGroupId: monitorActionGroup.outputs.id
    scanSchedule: scanSchedule
    auditLogs: auditLogs
  }
}

module deadLetterAlerts 'monitor/deadLetterAlerts.bicep' = if (wireEvents) {
  name: 'monitor-dead-letter-alerts'
  scope: rg
  params: {
    tags: tags
    actionGroupId: monitorActionGroup.outputs.id
    topics: concat(vaultTopicPlaces, subscriptionTopicPlaces)
    eventSubscriptionName: eventSubscriptionName
  }
  // A metric alert needs its topic to exist: the wiring creates the missing ones.
  dependsOn: [vaultTopics, subscriptionTopics]
}

module monitorWorkbook 'monitor/workbook.bicep' = {
  name: 'monitor-workbook'
  scope: rg
  params: { location: location, tags: tags, workspaceId: monitoring.outputs.workspaceId }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output MONITOR_PRINCIPAL_ID string = app.outputs.principalId
output MONITOR_CLIENT_ID string = app.outputs.clientId
output DASHBOARD_URL string = 'https://${app.outputs.hostName}/api/dashboard'
