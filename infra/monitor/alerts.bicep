// The monitor watches itself: log search alert rules on the workspace behind Application Insights, each reading the
// metrics the app emits (shared/telemetry/names.json, the one list of their names) and telling the monitor's admins
// (actionGroup.bicep) what broke and what to do.
//
// Where the metrics are: custom OpenTelemetry metrics land in the workspace table AppMetrics, one row per metric,
// attribute set and export interval, with the metric in Name, its attributes in Properties and its value in Sum, Min,
// Max and ItemCount (https://learn.microsoft.com/azure/azure-monitor/reference/tables/appmetrics). A counter arrives as
// its increase over the interval (delta), a gauge as its last value; the Azure Monitor exporter sends both with the
// value as the sum and a count of 1 (Azure/azure-sdk-for-js, sdk/monitor/monitor-opentelemetry-exporter/src/utils/
// metricUtils.ts), so Sum is the value to read for either. A series with nothing recorded in an interval sends no
// row (delta temporality), so a rule that must notice silence counts rows, as the dead-man's switch does.
//
// API: Microsoft.Insights/scheduledQueryRules 2023-12-01, the newest stable version in Azure/azure-rest-api-specs
// (specification/monitor/resource-manager/Microsoft.Insights/stable/2023-12-01/scheduledQueryRule_API.json). Severity
// 0 is critical, 1 error, 2 warning, 3 informational (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-overview).
// Windows and frequencies are minutes from the set the service accepts (schedule.bicep); the frequency is never
// longer than the window.
import { deadManWindowMinutes, isoDuration } from 'schedule.bicep'

param location string
param tags object

@description('Resource id of the Log Analytics workspace Application Insights writes to.')
param workspaceId string

param actionGroupId string

@description('NCRONTAB schedule of the scan (SCAN_SCHEDULE): the dead-man\'s switch allows twice its longest gap.')
param scanSchedule string

@description('Whether Key Vault audit records stream to the monitor (AUDIT_LOGS): only then is their silence an alert.')
param auditLogs bool

var metrics = loadJsonContent('../../shared/telemetry/names.json').metrics

@description('One log search alert rule: its query, and when its result fires.')
type rule = {
  name: string
  displayName: string
  description: string
  @minValue(0)
  @maxValue(4)
  severity: int
  windowMinutes: int
  frequencyMinutes: int
  autoMitigate: bool
  query: string
  timeAggregation: 'Count' | 'Total' | 'Maximum' | 'Minimum' | 'Average'
  @description('The column the aggregation reads; none for Count, which counts rows.')
  measure: string?
  @description('Columns the rule splits on: one alert per value.')
  dimensions: string[]
  operator: 'GreaterThan' | 'LessThan'
  threshold: int
  @description('Windows in a row that must all fail.')
  periods: int
}

// A query's lines, as the rule stores it.
func kql(lines string[]) string => join(lines, '\n')

var deadManWindow = deadManWindowMinutes(scanSchedule)
var throttleBinMinutes = 10

var baseRules rule[] = [
  {
    name: 'cmk-monitor-no-successful-scan'
    displayName: 'CMK monitor: no successful scan'
    description: 'No scan has succeeded in the last ${deadManWindow} minutes, twice the longest gap of SCAN_SCHEDULE (${scanSchedule}), capped at two days. The monitor may be stopped, failing every scan, or not deployed; its statuses and alerts are going stale, and a key or environment problem would go unannounced. It fires also when no telemetry arrives at all. Open the function app: is it running, did the last deployment succeed, what does the scan function\'s log say? Then call /api/health. It resolves itself at the next successful scan.'
    severity: 1
    windowMinutes: deadManWindow
    frequencyMinutes: min(deadManWindow, 15)
    autoMitigate: true
    // Zero rows is the alarm. The union keeps that true even before AppMetrics exists in a new workspace (isfuzzy
    // skips a missing table: https://learn.microsoft.com/kusto/query/union-operator).
    query: kql([
      'union isfuzzy=true AppMetrics, (datatable(TimeGenerated: datetime, Name: string, Sum: real, Properties: dynamic)[])'
      '| where Name == "${metrics.scans.name}" and tostring(Properties["outcome"]) == "success" and Sum > 0'
    ])
    timeAggregation: 'Count'
    dimensions: []
    operator: 'LessThan'
    threshold: 1
    periods: 1
  }
  {
    name: 'cmk-monitor-function-failures'
    displayName: 'CMK monitor: a function failed'
    description: 'A function of the monitor ended in failure in the last 15 minutes; the alert names it (Function). One failure can be a passing fault; a repeating one means that work is not done (scans, event handling, alert delivery, retention). Look at the function\'s invocations in Application Insights for the exception, and at /api/health. It resolves itself once the function has run 15 minutes without a failure.'
    severity: 2
    windowMinutes: 15
    frequencyMinutes: 5
    autoMitigate: true
    query: kql([
      'AppMetrics'
      '| where Name == "${metrics.invocations.name}" and tostring(Properties["outcome"]) == "failure"'
      '| project TimeGenerated, Function = tostring(Properties["function"]), Failures = Sum'
    ])
    timeAggregation: 'Total'
    measure: 'Failures'
    dimensions: ['Function']
    operator: 'GreaterThan'
    threshold: 0
    periods: 1
  }
  {
    name: 'cmk-monitor-alerts-waiting'
    displayName: 'CMK monitor: alerts waiting over an hour'
    description: 'An alert has waited more than an hour to be delivered on a channel; the alert names it (Channel). The admins are not hearing about key or environment problems the monitor found. Check the channel\'s settings and secrets (docs/architecture.md, Channels), the mail transport, and the alertDelivery function\'s log; /api/alerts lists what waits. It resolves itself once nothing on that channel has waited an hour.'
    severity: 1
    windowMinutes: 15
    frequencyMinutes: 15
    autoMitigate: true
    query: kql([
      'AppMetrics'
      '| where Name == "${metrics.oldestWaitingAlert.name}"'
      '| project TimeGenerated, Channel = tostring(Properties["channel"]), OldestWaitingSeconds = Sum'
    ])
    timeAggregation: 'Maximum'
    measure: 'OldestWaitingSeconds'
    dimensions: ['Channel']
    operator: 'GreaterThan'
    threshold: 3600
    periods: 1
  }
  {
    name: 'cmk-monitor-channel-refusing'
    displayName: 'CMK monitor: a channel refused every alert for a day'
    description: 'For a whole day every delivery on a channel failed and none was sent; the alert names it (Channel). The channel\'s configuration is wrong or its endpoint is gone: an expired webhook or secret, a mail sender no longer allowed, a revoked key. Fix the channel (docs/architecture.md, Channels); waiting alerts are sent at the next delivery run. It resolves itself once a delivery on that channel succeeds.'
    severity: 2
    windowMinutes: 1440
    frequencyMinutes: 60
    autoMitigate: true
    query: kql([
      'AppMetrics'
      '| where Name == "${metrics.deliveries.name}"'
      '| extend Channel = tostring(Properties["channel"]), Outcome = tostring(Properties["outcome"])'
      '| summarize Failed = sumif(Sum, Outcome == "failed"), Sent = sumif(Sum, Outcome == "sent"), TimeGenerated = max(TimeGenerated) by Channel'
      '| where Failed > 0 and Sent == 0'
      '| project TimeGenerated, Channel, Failed'
    ])
    timeAggregation: 'Total'
    measure: 'Failed'
    dimensions: ['Channel']
    operator: 'GreaterThan'
    threshold: 0
    periods: 1
  }
  {
    name: 'cmk-monitor-azure-throttling'
    displayName: 'CMK monitor: Azure throttles its calls'
    description: 'For 30 minutes in a row more than a fifth of the monitor\'s tries on one Azure service were refused with 429 or 503 (throttled); the alert names the service (Service). The calls are retried, so scans slow down rather than fail, but a scan can run out of time. Lower SCAN_CONCURRENCY, or look for another tool sharing the same subscription or vault limits. It resolves itself once the share falls back.'
    severity: 3
    windowMinutes: throttleBinMinutes
    frequencyMinutes: throttleBinMinutes
    autoMitigate: true
    // Bins with fewer than 10 tries are left out: 1 of 2 is not sustained throttling.
    query: kql([
      'AppMetrics'
      '| where Name in ("${metrics.azureRequests.name}", "${metrics.throttled.name}")'
      '| extend Service = tostring(Properties["service"])'
      '| summarize Tries = sumif(Sum, Name == "${metrics.azureRequests.name}"), Throttled = sumif(Sum, Name == "${metrics.throttled.name}") by Service, bin(TimeGenerated, ${throttleBinMinutes}m)'
      '| where Tries >= 10'
      '| project TimeGenerated, Service, ThrottledPercent = 100.0 * Throttled / Tries'
    ])
    timeAggregation: 'Maximum'
    measure: 'ThrottledPercent'
    dimensions: ['Service']
    operator: 'GreaterThan'
    threshold: 20
    periods: 3
  }
]

var auditRule rule = {
  name: 'cmk-monitor-audit-silent'
  displayName: 'CMK monitor: no Key Vault audit records for an hour'
  description: 'Audit logs are on (AUDIT_LOGS=true), but no batch of Key Vault audit records has reached the monitor for over an hour, on every instance. Refused calls and disabled keys are then seen only at the next scan, not within minutes. Check the vaults\' diagnostic setting cmk-monitor-<environment>, the keyvault-audit Event Hub\'s incoming messages, and the keyVaultAuditEvents function. A quiet vault sends few records, but Power Platform\'s own calls to a key in use keep some coming. It resolves itself at the next batch.'
  severity: 2
  windowMinutes: 15
  frequencyMinutes: 15
  autoMitigate: true
  // Each instance reports its own silence; the smallest is the tenant's.
  query: kql([
    'AppMetrics'
    '| where Name == "${metrics.auditLag.name}"'
    '| project TimeGenerated, SilenceSeconds = Sum'
  ])
  timeAggregation: 'Minimum'
  measure: 'SilenceSeconds'
  dimensions: []
  operator: 'GreaterThan'
  threshold: 3600
  periods: 1
}

var rules = concat(baseRules, auditLogs ? [auditRule] : [])

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for r in rules: {
  name: r.name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: r.displayName
    description: r.description
    severity: r.severity
    enabled: true
    scopes: [workspaceId]
    evaluationFrequency: isoDuration(r.frequencyMinutes)
    windowSize: isoDuration(r.windowMinutes)
    autoMitigate: r.autoMitigate
    // AppMetrics appears in a new workspace only with the first data; the service would refuse a rule whose query
    // names a table it does not have yet, so the query is not validated at deployment (the workaround Azure Monitor
    // advised in https://github.com/mspnp/aks-baseline/pull/422). infra/test/monitor.test.ts checks the queries.
    skipQueryValidation: true
    criteria: {
      allOf: [
        {
          query: r.query
          timeAggregation: r.timeAggregation
          metricMeasureColumn: r.?measure
          dimensions: map(r.dimensions, dimension => { name: dimension, operator: 'Include', values: ['*'] })
          operator: r.operator
          threshold: r.threshold
          failingPeriods: { numberOfEvaluationPeriods: r.periods, minFailingPeriodsToAlert: r.periods }
        }
      ]
    }
    actions: { actionGroups: [actionGroupId] }
  }
}]
