// One Event Grid system topic (created, or the existing one: Azure allows one per source) and its subscription
// to one of the monitor's functions, with Event Grid's full retry schedule (30 attempts over 24 hours, the
// service's maximum) and dead letters written with the topic's own identity (the storage takes no shared key).
param topicName string
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

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    source: source
    topicType: topicType
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: includedEventTypes
      advancedFilters: advancedFilters
    }
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: { resourceId: deadLetterStorageId, blobContainerName: deadLetterContainer }
      }
    }
  }
}

output principalId string = topic.identity.principalId
