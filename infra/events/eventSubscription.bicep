// The monitor's subscription on an Event Grid system topic that exists (created by topic.bicep, or there before the
// monitor): a PUT of this one child resource, which leaves the topic and its other subscriptions as they are. It
// delivers to one of the monitor's functions with Event Grid's full retry schedule (30 attempts over 24 hours, the
// service's maximum), and dead-letters with the topic's system-assigned identity (the storage takes no shared key).
// A topic that existed without such an identity is not given one (that would rewrite the topic): its subscription
// has no dead-letter destination, so an event still undelivered after 24 hours is dropped (the next scan still sees
// the state it announced). Turn the topic's system-assigned identity on, then azd provision, to add it.
param topicName string
param subscriptionName string
param functionAppId string
param functionName string
param includedEventTypes string[]
param advancedFilters array
param deadLetterStorageId string
param deadLetterContainer string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: topicName
}

// 'SystemAssigned' or 'SystemAssigned, UserAssigned'; none, or 'UserAssigned' alone, leaves no identity to use.
var systemIdentity = contains(toLower(topic.?identity.?type ?? 'None'), 'systemassigned')

resource eventSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
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
    deadLetterWithResourceIdentity: systemIdentity
      ? {
          identity: { type: 'SystemAssigned' }
          deadLetterDestination: {
            endpointType: 'StorageBlob'
            properties: { resourceId: deadLetterStorageId, blobContainerName: deadLetterContainer }
          }
        }
      : null
  }
}

output principalId string = systemIdentity ? topic.?identity.?principalId ?? '' : ''
