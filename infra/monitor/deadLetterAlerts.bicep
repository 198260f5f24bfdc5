// One metric alert per Event Grid system topic the monitor is subscribed to: an event Event Grid gave up on (30
// attempts over 24 hours) and wrote to the dead-letter container. It counts only the monitor's own event
// subscription on the topic, so another team's subscription on a shared topic never wakes the monitor's admins.
//
// The metric: DeadLetteredCount ("Dead Lettered Events", Count, Total, dimensions DeadLetterReason and
// EventSubscriptionName, PT1M) of Microsoft.EventGrid/systemTopics,
// https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-eventgrid-systemtopics-metrics
// (also https://learn.microsoft.com/azure/event-grid/monitor-push-reference). Its name, namespace and dimension come
// from shared/telemetry/names.json (platform.deadLettered), like every other metric name the alerts use.
//
// API: Microsoft.Insights/metricAlerts 2018-03-01, the stable version in Azure/azure-rest-api-specs
// (specification/monitor/resource-manager/Microsoft.Insights/stable/2018-03-01/metricAlert_API.json). A rule lives in
// the monitor's resource group, with the action group of the same subscription, and watches one topic wherever it is.
param tags object
param actionGroupId string

@description('The system topics the Event Grid wiring uses, where main.bicep puts or finds them.')
param topics { subscriptionId: string, resourceGroup: string, name: string }[]

@description('The monitor\'s event subscription on each topic (cmk-monitor-<environment>).')
param eventSubscriptionName string

var deadLettered = loadJsonContent('../../shared/telemetry/names.json').platform.deadLettered

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = [for topic in topics: {
  name: 'dead-letters-${topic.name}-${take(uniqueString(topic.subscriptionId, topic.resourceGroup, topic.name), 6)}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid gave up delivering an event of the system topic ${topic.name} (resource group ${topic.resourceGroup}) to the monitor after 24 hours of retries and wrote it to the eventgrid-deadletter container of the monitor\'s storage. The monitor missed that change until its next scan. Read the blob (it names the event and the last error), check that the monitor\'s functions are running and reachable, and delete the blob once handled. It stays fired until closed.'
    severity: 2
    enabled: true
    scopes: [resourceId(topic.subscriptionId, topic.resourceGroup, deadLettered.namespace, topic.name)]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    // Dead letters stay in the container until someone handles them: the alert too.
    autoMitigate: false
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: deadLettered.namespace
          metricName: deadLettered.name
          // Both spellings: the name as deployed and upper case, in case the dimension reports it so.
          dimensions: [
            {
              name: deadLettered.dimensions[0]
              operator: 'Include'
              values: union([eventSubscriptionName], [toUpper(eventSubscriptionName)])
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroupId }]
  }
}]
