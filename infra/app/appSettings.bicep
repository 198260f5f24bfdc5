// Every app setting in one place. Flex Consumption takes the runtime from functionAppConfig and refuses
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION as settings. The telemetry connection string is read
// here rather than passed in, so it never sits in a deployment's outputs.
param siteName string
param applicationInsightsName string

@description('Name to value, all strings.')
param settings object

@description('The chosen alert channels\' own settings (a secret one as a Key Vault reference); the app\'s own settings win a clash.')
param channelSettings object

@secure()
@description('Settings whose values carry a token (HEARTBEAT_URL): a secure parameter keeps them out of the deployment\'s recorded inputs.')
param secretSettings object

@minValue(0)
@description('V8 old-space limit of the Node worker in MiB; 0 leaves V8 its own.')
param workerHeapMiB int

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  name: '${siteName}/appsettings'
  properties: union(
    channelSettings,
    settings,
    secretSettings,
    { APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString },
    // The worker's Node arguments: https://learn.microsoft.com/azure/azure-functions/functions-reference-node#environment-variables
    workerHeapMiB > 0 ? { languageWorkers__node__arguments: '--max-old-space-size=${workerHeapMiB}' } : {}
  )
}
