import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scheduleIntervalMs } from '../../shared/schedule.js';
import { callFunction, plan, type Planned } from './plan.js';
import { compiled, moduleOf, passedValue } from './template.js';

// The monitor watching itself (infra/monitor): its action group, alert rules, dead-letter alerts and workbook, as
// main.json would deploy them for given parameters, evaluated offline by plan.ts.
const main = compiled();
const infra = fileURLToPath(new URL('..', import.meta.url));
const names = JSON.parse(readFileSync(join(infra, '..', 'shared', 'telemetry', 'names.json'), 'utf8')) as {
  metrics: Record<string, { name: string; kind: string; attributes: string[] }>;
  attributeValues: Record<string, string[]>;
  platform: { deadLettered: { namespace: string; name: string; dimensions: string[] } };
};
const metricNames = Object.values(names.metrics).map((metric) => metric.name);
const workbookText = readFileSync(join(infra, 'monitor', 'workbook.json'), 'utf8');

const contoso = 'c0a1b2c3-d4e5-4f60-8172-93a4b5c6d7e8';
const keysUs = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const euVault = `/subscriptions/${contoso}/resourceGroups/rg-cmk-eu/providers/Microsoft.KeyVault/vaults/kv-eu-prod`;
const usVault = `/subscriptions/${keysUs}/resourceGroups/rg-cmk-us/providers/Microsoft.KeyVault/vaults/kv-us-hr`;
const topicId = (subscriptionId: string, resourceGroup: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.EventGrid/systemTopics/${name}`;
const workspaceId = `/subscriptions/${contoso}/resourceGroups/rg-cmk-prod/providers/Microsoft.OperationalInsights/workspaces/log-cmk`;
const actionGroupId = `/subscriptions/${contoso}/resourceGroups/rg-cmk-prod/providers/Microsoft.Insights/actionGroups/ag-cmk-monitor`;

/** What main.json deploys for a two-vault tenant in two subscriptions, with these parameters on top. */
function deployment(
  parameters: Record<string, unknown> = {},
  topics: { euVault?: string; contoso?: string } = {},
): Planned[] {
  return plan(
    main,
    {
      environmentName: 'cmk-prod',
      location: 'westeurope',
      policySubscriptionIds: contoso,
      alertToKeyVaultAdmins: 'keyvault-admins@contoso.com',
      alertToPowerPlatformAdmins: 'powerplatform-admins@contoso.com',
      wireEvents: true,
      monitoredVaults: [
        { id: euVault, location: 'westeurope', rbac: true, systemTopicId: topics.euVault ?? '' },
        { id: usVault, location: 'eastus', rbac: false, systemTopicId: '' },
      ],
      vaultSubscriptions: [
        { subscriptionId: contoso, systemTopicId: topics.contoso ?? '' },
        { subscriptionId: keysUs, systemTopicId: '' },
      ],
      ...parameters,
    },
    { moduleOutputs: { monitoring: { workspaceId }, monitorActionGroup: { id: actionGroupId } } },
  );
}

const deployed = (planned: Planned[], type: string) =>
  planned.filter((resource) => resource.type === type && resource.deployed !== false);

interface Condition {
  query: string;
  timeAggregation: string;
  metricMeasureColumn: string | null;
  dimensions: { name: string; operator: string; values: string[] }[];
  operator: string;
  threshold: number;
  failingPeriods: { numberOfEvaluationPeriods: number; minFailingPeriodsToAlert: number };
}

/** Each deployed log search alert rule, its properties evaluated. */
function rules(planned: Planned[]) {
  return deployed(planned, 'Microsoft.Insights/scheduledQueryRules').map((resource) => {
    const properties = resource.value('properties') as Record<string, unknown> & { criteria: { allOf: Condition[] } };
    expect(properties.criteria.allOf, resource.name).toHaveLength(1);
    return { name: resource.name!, properties, condition: properties.criteria.allOf[0]! };
  });
}

const ruleNames = [
  'cmk-monitor-no-successful-scan',
  'cmk-monitor-function-failures',
  'cmk-monitor-alerts-waiting',
  'cmk-monitor-channel-refusing',
  'cmk-monitor-azure-throttling',
];

describe('the monitor watches itself', () => {
  it('deploys an action group, every alert rule, the dead-letter alerts and a workbook', () => {
    const planned = deployment({ auditLogs: true });
    expect(deployed(planned, 'Microsoft.Insights/actionGroups').map((resource) => resource.modules)).toEqual([
      'monitorActionGroup',
    ]);
    expect(rules(planned).map((rule) => rule.name)).toEqual([...ruleNames, 'cmk-monitor-audit-silent']);
    expect(deployed(planned, 'Microsoft.Insights/metricAlerts')).toHaveLength(4);
    expect(deployed(planned, 'Microsoft.Insights/workbooks').map((resource) => resource.modules)).toEqual([
      'monitorWorkbook',
    ]);
    for (const resource of planned.filter((r) => /^monitor|^deadLetterAlerts/.test(r.modules))) {
      expect(resource.deployed, `${resource.modules} ${resource.type}`).toBe(true);
      expect(resource.at.resourceGroup, resource.type).toBe('rg-cmk-prod');
    }
  });

  it('adds the audit-silence rule only when audit records stream to the monitor', () => {
    expect(rules(deployment({ auditLogs: true })).map((rule) => rule.name)).toContain('cmk-monitor-audit-silent');
    expect(rules(deployment({ auditLogs: false })).map((rule) => rule.name)).toEqual(ruleNames);
    expect(rules(deployment()).map((rule) => rule.name)).toEqual(ruleNames);
  });

  it('scopes every rule to the workspace and sends it to the action group, with a name, an explanation and a severity', () => {
    for (const { name, properties } of rules(deployment({ auditLogs: true }))) {
      expect(properties.scopes, name).toEqual([workspaceId]);
      expect(properties.actions, name).toEqual({ actionGroups: [actionGroupId] });
      expect(properties.enabled, name).toBe(true);
      expect(String(properties.displayName), name).toMatch(/^CMK monitor: /);
      // What it means and what to do, within the 4,096 characters a log search alert's description may have.
      expect(String(properties.description).length, name).toBeGreaterThan(200);
      expect(String(properties.description).length, name).toBeLessThanOrEqual(4096);
      expect([1, 2, 3], name).toContain(properties.severity);
      expect(properties.autoMitigate, name).toBe(true);
    }
  });

  it('windows and frequencies are ones a scheduled query rule accepts, the frequency never longer than the window', () => {
    const minutes = (duration: string) => {
      const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
      if (!match) throw new Error(`${duration} is not a duration this test reads`);
      return Number(match[1] ?? 0) * 1440 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
    };
    for (const scanSchedule of ['0 0 * * * *', '0 */5 * * * *', '0 0 3 * * *']) {
      for (const { name, properties, condition } of rules(deployment({ auditLogs: true, scanSchedule }))) {
        const window = minutes(String(properties.windowSize));
        const frequency = minutes(String(properties.evaluationFrequency));
        expect([5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880], name).toContain(window);
        expect([5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440], name).toContain(frequency);
        expect(frequency, name).toBeLessThanOrEqual(window);
        expect(window * condition.failingPeriods.numberOfEvaluationPeriods, name).toBeLessThanOrEqual(2880);
      }
    }
  });
});

describe('alert queries', () => {
  const all = rules(deployment({ auditLogs: true }));

  it('name only metrics of shared/telemetry/names.json, each query at least one, and read AppMetrics', () => {
    for (const { name, condition } of all) {
      const named = condition.query.match(/cmk_monitor\.[\w.]+/g) ?? [];
      expect(named.length, name).toBeGreaterThan(0);
      for (const metric of named) expect(metricNames, `${name}: ${metric}`).toContain(metric);
      expect(condition.query, name).toMatch(/^(AppMetrics|union isfuzzy=true AppMetrics,)/);
    }
  });

  it('read only attributes the metrics they name have, compared with values the app emits', () => {
    const values = new Set(Object.values(names.attributeValues).flat());
    for (const { name, condition } of all) {
      const named = Object.values(names.metrics).filter((metric) => condition.query.includes(`"${metric.name}"`));
      const attributes = new Set(named.flatMap((metric) => metric.attributes));
      for (const [, attribute] of condition.query.matchAll(/Properties\["(\w+)"\]/g))
        expect([...attributes], `${name}: ${attribute}`).toContain(attribute);
      // Every quoted string the query compares that is not a metric name is an attribute value of names.json.
      for (const [, literal] of condition.query.matchAll(/==\s*"([^"]+)"/g))
        if (!metricNames.includes(literal!)) expect([...values], `${name}: ${literal}`).toContain(literal);
    }
  });

  it('are built from names.json in the templates, never from a metric name written in Bicep', () => {
    const bicep = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? entry.name.startsWith('.')
            ? []
            : bicep(join(dir, entry.name))
          : entry.name.endsWith('.bicep')
            ? [join(dir, entry.name)]
            : [],
      );
    const files = bicep(infra);
    expect(files.map((file) => file.slice(infra.length))).toEqual(
      expect.arrayContaining(['monitor/alerts.bicep', 'monitor/deadLetterAlerts.bicep']),
    );
    for (const file of files) {
      // Comments may cite a metric; the code may not.
      const text = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !line.trim().startsWith('//'))
        .join('\n');
      expect(text, file).not.toMatch(/cmk_monitor\./);
      expect(text, file).not.toContain(names.platform.deadLettered.name);
    }
    expect(readFileSync(join(infra, 'monitor', 'alerts.bicep'), 'utf8')).toContain(
      "loadJsonContent('../../shared/telemetry/names.json')",
    );
  });

  it('measure a column the query returns and split only on columns it returns', () => {
    for (const { name, condition } of all) {
      // The columns of the last line, `| project A, B = x, C = y`.
      const last = condition.query.split('\n').at(-1)!;
      const projected = last.startsWith('| project ')
        ? last
            .slice('| project '.length)
            .split(',')
            .map((column) => column.split('=')[0]!.trim())
        : [];
      if (condition.metricMeasureColumn) expect(projected, name).toContain(condition.metricMeasureColumn);
      else expect(condition.timeAggregation, name).toBe('Count');
      if (condition.metricMeasureColumn || condition.failingPeriods.numberOfEvaluationPeriods > 1)
        expect(projected, name).toContain('TimeGenerated');
      for (const dimension of condition.dimensions) {
        expect(projected, name).toContain(dimension.name);
        expect(dimension, name).toEqual({ name: dimension.name, operator: 'Include', values: ['*'] });
      }
    }
  });

  const rule = (name: string) => all.find((r) => r.name === name)!;

  it('each asks what the issue asks', () => {
    expect(rule('cmk-monitor-function-failures').condition).toMatchObject({
      timeAggregation: 'Total',
      operator: 'GreaterThan',
      threshold: 0,
      dimensions: [{ name: 'Function' }],
    });
    expect(rule('cmk-monitor-function-failures').properties.windowSize).toBe('PT15M');
    expect(rule('cmk-monitor-function-failures').condition.query).toContain(
      `"${names.metrics.invocations!.name}" and tostring(Properties["outcome"]) == "failure"`,
    );
    expect(rule('cmk-monitor-alerts-waiting').condition).toMatchObject({
      timeAggregation: 'Maximum',
      operator: 'GreaterThan',
      threshold: 3600,
      dimensions: [{ name: 'Channel' }],
    });
    expect(rule('cmk-monitor-alerts-waiting').condition.query).toContain(names.metrics.oldestWaitingAlert!.name);
    expect(rule('cmk-monitor-channel-refusing').condition).toMatchObject({
      operator: 'GreaterThan',
      threshold: 0,
      dimensions: [{ name: 'Channel' }],
    });
    expect(rule('cmk-monitor-channel-refusing').condition.query).toContain('| where Failed > 0 and Sent == 0');
    expect(rule('cmk-monitor-channel-refusing').properties.windowSize).toBe('P1D');
    expect(rule('cmk-monitor-audit-silent').condition).toMatchObject({
      timeAggregation: 'Minimum',
      operator: 'GreaterThan',
      threshold: 3600,
    });
    expect(rule('cmk-monitor-audit-silent').condition.query).toContain(names.metrics.auditLag!.name);
    const throttling = rule('cmk-monitor-azure-throttling');
    expect(throttling.condition).toMatchObject({
      operator: 'GreaterThan',
      threshold: 20,
      dimensions: [{ name: 'Service' }],
      failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 3 },
    });
    expect(throttling.properties.windowSize).toBe('PT10M');
    expect(throttling.condition.query).toContain(`bin(TimeGenerated, 10m)`);
    expect(throttling.condition.query).toContain('100.0 * Throttled / Tries');
  });
});

describe("the dead-man's switch", () => {
  const deadMan = (scanSchedule?: string) =>
    rules(deployment(scanSchedule ? { scanSchedule } : {})).find(
      (rule) => rule.name === 'cmk-monitor-no-successful-scan',
    )!;

  it('fires on no successful scan at all, so it fires when the app is dead or never started', () => {
    const { condition, properties } = deadMan();
    expect(condition).toMatchObject({
      timeAggregation: 'Count',
      metricMeasureColumn: null,
      dimensions: [],
      operator: 'LessThan',
      threshold: 1,
    });
    expect(condition.query).toContain(
      `Name == "${names.metrics.scans!.name}" and tostring(Properties["outcome"]) == "success"`,
    );
    expect(condition.query).toMatch(/^union isfuzzy=true AppMetrics, \(datatable\(/);
    expect(properties.severity).toBe(1);
  });

  it('allows twice the scan interval, clamped to what a rule accepts', () => {
    const windowOf = (scanSchedule?: string) => [
      deadMan(scanSchedule).properties.windowSize,
      deadMan(scanSchedule).properties.evaluationFrequency,
    ];
    expect(main.parameters?.scanSchedule?.defaultValue).toBe('0 0 * * * *');
    expect(windowOf()).toEqual(['PT2H', 'PT15M']);
    expect(windowOf('0 */5 * * * *')).toEqual(['PT10M', 'PT10M']);
    expect(windowOf('0 */20 * * * *')).toEqual(['PT45M', 'PT15M']);
    expect(windowOf('0 30 */4 * * *')).toEqual(['P1D', 'PT15M']);
    expect(windowOf('0 0 3 * * *')).toEqual(['P2D', 'PT15M']);
    expect(windowOf('0 0 3 * * 1')).toEqual(['P2D', 'PT15M']);
    expect(windowOf('*/10 * * * * *')).toEqual(['PT5M', 'PT5M']);
  });
});

describe('schedule.bicep reads SCAN_SCHEDULE as the app does', () => {
  const schedule = compiled('monitor/schedule.json');
  const seconds = (text: string) => callFunction(schedule, 'scheduleIntervalSeconds', text) as number;
  // Monday 2025-01-06, 00:00 UTC; croner reads schedules in the machine's zone, the host in UTC.
  const monday = new Date('2025-01-06T00:00:00Z');
  /** The longest gap between two runs over eight days, from shared/schedule.ts (croner, which the sandbox schedules with). */
  const longestGap = (text: string) => {
    let longest = 0;
    for (let from = monday.getTime(); from < monday.getTime() + 8 * 86_400_000; from += 60_000 * 10)
      longest = Math.max(longest, scheduleIntervalMs(text, new Date(from)) ?? 0);
    return longest / 1000;
  };

  it.each([
    '0 0 * * * *',
    '0 */5 * * * *',
    '0 */7 * * * *',
    '0 */15 * * * *',
    '0 17 * * * *',
    '0 * * * * *',
    '*/30 * * * * *',
    '0 0,30 * * * *',
    '0 5-55/10 * * * *',
    '0 30 */2 * * *',
    '0 0 */6 * * *',
    '0 15 3 * * *',
  ])('%s: the same interval as scheduleIntervalMs', (text) => {
    expect(seconds(text) * 1000).toBe(scheduleIntervalMs(text, monday));
  });

  it.each(['0 0 9,17 * * *', '0 0 9-17 * * *', '0 0 9 * * 1-5', '0 0 9 * * 1'])(
    '%s: the longest of uneven gaps, as scheduleIntervalMs finds it over a week',
    (text) => {
      expect(seconds(text)).toBe(longestGap(text));
    },
  );

  it('takes what it cannot read as 31 days, which clamps the window to two days', () => {
    for (const text of ['0 0 0 1 * *', '0 0 0 * 1 *', '0 0 9 * * MON', '0 0 * * *', 'every hour', '0 0 25 * * *']) {
      expect(seconds(text), text).toBe(31 * 86_400);
      expect(callFunction(schedule, 'deadManWindowMinutes', text), text).toBe(2880);
    }
  });

  it('rounds windows up to one a rule accepts, and writes them as ISO 8601 durations', () => {
    expect([1, 5, 6, 44, 46, 61, 361, 1441, 5000].map((m) => callFunction(schedule, 'ruleWindowMinutes', m))).toEqual([
      5, 5, 10, 45, 60, 120, 1440, 2880, 2880,
    ]);
    expect([5, 45, 60, 120, 1440, 2880].map((m) => callFunction(schedule, 'isoDuration', m))).toEqual([
      'PT5M',
      'PT45M',
      'PT1H',
      'PT2H',
      'P1D',
      'P2D',
    ]);
  });
});

describe('action group', () => {
  const group = (parameters: Record<string, unknown> = {}) =>
    deployed(deployment(parameters), 'Microsoft.Insights/actionGroups')[0]!;
  const emails = (parameters: Record<string, unknown> = {}) =>
    (group(parameters).value('properties', 'emailReceivers') as { emailAddress: string }[]).map(
      (receiver) => receiver.emailAddress,
    );

  it('mails ALERT_TO_MONITOR_ADMINS, else both admin lists, split and without repeats as the app reads them', () => {
    expect(emails()).toEqual(['keyvault-admins@contoso.com', 'powerplatform-admins@contoso.com']);
    expect(emails({ alertToMonitorAdmins: ' ' })).toEqual([
      'keyvault-admins@contoso.com',
      'powerplatform-admins@contoso.com',
    ]);
    expect(emails({ alertToPowerPlatformAdmins: 'KeyVault-Admins@contoso.com; pp@contoso.com' })).toEqual([
      'keyvault-admins@contoso.com',
      'pp@contoso.com',
    ]);
    expect(
      emails({ alertToMonitorAdmins: 'ops@contoso.com;oncall@contoso.com, ops@contoso.com  sre@contoso.com' }),
    ).toEqual(['ops@contoso.com', 'oncall@contoso.com', 'sre@contoso.com']);
  });

  it('names each receiver once, with the common alert schema, under a short name of 12 characters at most', () => {
    const properties = group({ alertToMonitorAdmins: 'ops@contoso.com,oncall@contoso.com' }).value('properties') as {
      groupShortName: string;
      enabled: boolean;
      emailReceivers: { name: string; useCommonAlertSchema: boolean }[];
    };
    expect(properties.groupShortName.length).toBeLessThanOrEqual(12);
    expect(properties.enabled).toBe(true);
    expect(new Set(properties.emailReceivers.map((receiver) => receiver.name)).size).toBe(2);
    for (const receiver of properties.emailReceivers) expect(receiver.useCommonAlertSchema).toBe(true);
    expect(group().value('location')).toBe('global');
  });

  it('adds the webhook only when one is given, and takes its URL as a secure parameter', () => {
    expect(group().value('properties', 'webhookReceivers')).toEqual([]);
    const url = 'https://events.pagerduty.com/integration/abc/enqueue';
    expect(group({ monitorAlertWebhookUrl: url }).value('properties', 'webhookReceivers')).toEqual([
      { name: 'monitor-webhook', serviceUri: url, useCommonAlertSchema: true },
    ]);
    expect(main.parameters?.monitorAlertWebhookUrl).toMatchObject({ type: 'securestring', defaultValue: '' });
    expect(compiled('monitor/actionGroup.json').parameters?.webhookUrl?.type).toBe('securestring');
  });
});

describe('dead-letter alerts', () => {
  const targets = (planned: Planned[]) =>
    deployed(planned, 'Microsoft.Insights/metricAlerts')
      .map((alert) => (alert.value('properties', 'scopes') as string[])[0]!)
      .sort();
  /** The system topics the wiring writes or reads, where plan.ts finds its modules deploy them. */
  const wired = (planned: Planned[]) =>
    [
      ...new Set(
        planned
          .filter(
            (r) =>
              r.type === 'Microsoft.EventGrid/systemTopics' &&
              /^(vault|subscription)Topics\[/.test(r.modules) &&
              (r.deployed !== false || r.existing),
          )
          .map((r) => topicId(r.at.subscriptionId!, r.at.resourceGroup!, r.name!)),
      ),
    ].sort();

  it('watch exactly the system topics the deployment wires, new and reused', () => {
    const existing = {
      euVault: topicId(contoso, 'rg-cmk-eu', 'kv-eu-prod-events'),
      contoso: topicId(contoso, 'rg-events', 'contoso-arm'),
    };
    for (const topics of [{}, existing]) {
      const planned = deployment({}, topics);
      expect(targets(planned)).toEqual(wired(planned));
      expect(targets(planned)).toHaveLength(4);
    }
    expect(targets(deployment({}, existing))).toEqual(
      [
        existing.euVault,
        existing.contoso,
        topicId(keysUs, 'rg-cmk-us', 'cmk-kv-us-hr'),
        topicId(keysUs, 'rg-cmk-us', `cmk-arm-${keysUs}`),
      ].sort(),
    );
    expect(targets(deployment({}, {}))).toEqual(
      [
        topicId(contoso, 'rg-cmk-eu', 'cmk-kv-eu-prod'),
        topicId(keysUs, 'rg-cmk-us', 'cmk-kv-us-hr'),
        topicId(contoso, 'rg-cmk-eu', `cmk-arm-${contoso}`),
        topicId(keysUs, 'rg-cmk-us', `cmk-arm-${keysUs}`),
      ].sort(),
    );
  });

  it('exist only with the wiring, and only once the topics exist', () => {
    expect(deployed(deployment({ wireEvents: false }), 'Microsoft.Insights/metricAlerts')).toEqual([]);
    expect(moduleOf(main, 'deadLetterAlerts').condition).toBe("[parameters('wireEvents')]");
    expect((moduleOf(main, 'deadLetterAlerts') as { dependsOn?: string[] }).dependsOn).toEqual(
      expect.arrayContaining(['vaultTopics', 'subscriptionTopics']),
    );
  });

  it("count DeadLetteredCount of the monitor's own event subscription only, from names.json", () => {
    const { deadLettered } = names.platform;
    expect(deadLettered).toMatchObject({ namespace: 'Microsoft.EventGrid/systemTopics', name: 'DeadLetteredCount' });
    expect(deadLettered.dimensions[0]).toBe('EventSubscriptionName');
    for (const alert of deployed(deployment(), 'Microsoft.Insights/metricAlerts')) {
      const properties = alert.value('properties') as {
        criteria: { 'odata.type': string; allOf: Record<string, unknown>[] };
        actions: unknown;
        severity: number;
      };
      expect(properties.criteria['odata.type']).toBe('Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria');
      expect(properties.criteria.allOf).toEqual([
        expect.objectContaining({
          metricNamespace: deadLettered.namespace,
          metricName: deadLettered.name,
          dimensions: [
            {
              name: 'EventSubscriptionName',
              operator: 'Include',
              values: ['cmk-monitor-cmk-prod', 'CMK-MONITOR-CMK-PROD'],
            },
          ],
          operator: 'GreaterThan',
          threshold: 0,
          timeAggregation: 'Total',
        }),
      ]);
      expect(properties.actions).toEqual([{ actionGroupId }]);
      expect(alert.value('location')).toBe('global');
    }
  });
});

describe('workbook', () => {
  const workbook = JSON.parse(workbookText) as {
    version: string;
    items: { type: number; content: { query?: string; resourceType?: string } }[];
  };
  const queries = workbook.items.filter((item) => item.type === 3).map((item) => item.content);

  it('is deployed from workbook.json on the workspace, under a name that stays the same', () => {
    const [resource] = deployed(deployment(), 'Microsoft.Insights/workbooks');
    expect(resource!.value('properties', 'serializedData')).toBe(workbookText);
    expect(resource!.value('properties', 'sourceId')).toBe(workspaceId);
    expect(resource!.value('properties', 'category')).toBe('workbook');
    expect(resource!.value('kind')).toBe('shared');
    expect(JSON.stringify(compiled('monitor/workbook.json').resources)).toContain(
      `"name":"[guid(resourceGroup().id, 'cmk-monitor-workbook')]"`,
    );
    expect(workbook.version).toBe('Notebook/1.0');
  });

  it('names only metrics of names.json', () => {
    const named = [...new Set(workbookText.match(/cmk_monitor\.[\w.]+/g))];
    expect(named.length).toBeGreaterThanOrEqual(7);
    for (const metric of named) expect(metricNames, metric).toContain(metric);
  });

  it('reads AppMetrics in every query, on the workspace', () => {
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const query of queries) {
      expect(query.query!.split('\n')[0], query.query).toBe('AppMetrics');
      expect(query.query!.match(/^\s*(?:\|\s*)?(?:union|join)\b/m), query.query).toBeNull();
      expect(query.resourceType).toBe('microsoft.operationalinsights/workspaces');
    }
  });

  it('shows statuses, findings, scan duration, event latency, deliveries and throttling', () => {
    const shown = queries.map((query) => query.query!);
    for (const metric of [
      'environments',
      'findings',
      'scanDuration',
      'eventLatency',
      'deliveries',
      'throttled',
      'azureRequests',
    ]) {
      expect(
        shown.some((query) => query.includes(`"${names.metrics[metric]!.name}"`)),
        metric,
      ).toBe(true);
    }
  });
});

describe('heartbeat', () => {
  it('passes HEARTBEAT_URL from a secure parameter, kept out of the recorded module inputs', () => {
    expect(main.parameters?.heartbeatUrl).toMatchObject({ type: 'securestring', defaultValue: '' });
    expect(passedValue(moduleOf(main, 'appSettings'), 'secretSettings')).toEqual({
      HEARTBEAT_URL: "[parameters('heartbeatUrl')]",
    });
    expect(compiled('app/appSettings.json').parameters?.secretSettings?.type).toBe('secureObject');
    const file = readFileSync(join(infra, 'main.parameters.json'), 'utf8');
    expect(file).toContain('"heartbeatUrl": { "value": "${HEARTBEAT_URL=}" }');
    expect(file).toContain('"monitorAlertWebhookUrl": { "value": "${MONITOR_ALERT_WEBHOOK_URL=}" }');
  });
});
