// A shared Azure Monitor workbook over the monitor's own metrics (workbook.json): statuses, findings, scan duration,
// event latency, deliveries, waiting alerts and throttling. Its queries read AppMetrics, so it runs on the workspace.
// API: Microsoft.Insights/workbooks 2023-06-01, the newest stable version in Azure/azure-rest-api-specs
// (specification/applicationinsights/resource-manager/Microsoft.Insights/stable/2023-06-01/workbooks_API.json).
// The JSON cannot take names from shared/telemetry/names.json; infra/test/monitor.test.ts checks that every metric it
// names is there.
param location string
param tags object

@description('Resource id of the Log Analytics workspace Application Insights writes to.')
param workspaceId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name is a GUID; the same one on every deployment updates it in place.
  name: guid(resourceGroup().id, 'cmk-monitor-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'CMK monitor: the monitor itself'
    category: 'workbook'
    sourceId: workspaceId
    serializedData: loadTextContent('workbook.json')
  }
}
