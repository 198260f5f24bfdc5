// One Event Grid system topic and the monitor's subscription on it. Azure allows one system topic per source
// (https://learn.microsoft.com/azure/event-grid/system-topics), so when the source already has one, infra:vaults
// finds it and that one is used as it is: this module then writes no topic at all, only the event subscription
// (eventSubscription.bicep, a child of the existing topic), which leaves the topic's identity, tags and other
// subscriptions untouched. Only a source without a topic gets a new one, with a system-assigned identity for the
// dead letters.
param topicName string
@description('true when the source already has this system topic (vault.systemTopicId or vaultSubscription.systemTopicId): it is read, never written.')
param topicExists bool
@description('One per monitor environment, so two monitors can watch the same vault.')
param subscriptionName string
param location string
param source string
param topicType string
param functionAppId string
param functionName string
param includedEventTypes string[]
param advancedFilters array = []
param deadLetterStorageId string
param deadLetterContainer string

resource created 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (!topicExists) {
  name: topicName
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    source: source
    topicType: topicType
  }
}

// A deployment of its own, so that the topic it reads is there, whether it was created above or already existed.
module subscription 'eventSubscription.bicep' = {
  name: take('${deployment().name}-subscription', 64)
  params: {
    topicName: topicName
    subscriptionName: subscriptionName
    functionAppId: functionAppId
    functionName: functionName
    includedEventTypes: includedEventTypes
    advancedFilters: advancedFilters
    deadLetterStorageId: deadLetterStorageId
    deadLetterContainer: deadLetterContainer
  }
  dependsOn: [created]
}

@description('The principal id of the topic\'s system-assigned identity, which writes the dead letters; empty when it has none.')
output principalId string = subscription.outputs.principalId
