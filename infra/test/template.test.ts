import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditHub } from '../../functions/auditEvents.js';
import { auditHubRetentionDays } from '../../shared/adapters/events/auditRecord.js';
import { definitions } from '../../functions/definitions.js';
import { loadConfig, settingNames } from '../../shared/config.js';
import { outputsOf, plan, type PlanOptions } from './plan.js';
import {
  allResources,
  compiled,
  moduleOf,
  ofType,
  passedValue,
  resolveVariables,
  scopeType,
  type Placed,
} from './template.js';

const main = compiled();
const text = JSON.stringify(main);

// Built-in role ids, as Microsoft lists them: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
const role = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde',
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975',
  eventHubsDataOwner: 'f526a384-b230-433a-b45c-95f59c4a2dec',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
};

function single(type: string): Placed {
  const found = ofType(main, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

const appSettingsModule = moduleOf(main, 'appSettings');
const settings = passedValue(appSettingsModule, 'settings') as Record<string, string>;
// Settings whose values carry a token go through the module's secure parameter.
const secretSettings = passedValue(appSettingsModule, 'secretSettings') as Record<string, string>;
// The site's settings are one expression: the union of the module's parameters and what it adds.
const configExpression = single('Microsoft.Web/sites/config').resource.properties as string;
const settingExpression = (name: string) => settings[name] ?? '';

describe('app settings', () => {
  it('sets every setting the app reads, and none that would carry a secret or a local path', () => {
    const neverInAzure = ['INVENTORY_FILE', 'TABLES_CONNECTION_STRING', 'ACS_CONNECTION_STRING'];
    const expected = settingNames.filter((name) => !neverInAzure.includes(name));
    expect([...Object.keys(settings), ...Object.keys(secretSettings)]).toEqual(expect.arrayContaining(expected));
    for (const name of neverInAzure) expect({ ...settings, ...secretSettings }).not.toHaveProperty(name);
  });

  it('gives each setting the same default as shared/config.ts', () => {
    const required = {
      SUBSCRIPTION_IDS: '11111111-1111-1111-1111-111111111111',
      TABLES_ENDPOINT: 'https://st.table.core.windows.net/',
    };
    const defaults = loadConfig(required);
    const checked: string[] = [];
    for (const [name, value] of Object.entries(settings)) {
      const parameter = /^\[(?:string\()?parameters\('(\w+)'\)\)?\]$/.exec(value)?.[1];
      const fallback = parameter ? main.parameters?.[parameter]?.defaultValue : undefined;
      if (fallback === undefined || name === 'MAIL_TRANSPORT') continue;
      checked.push(name);
      // A setting's parameter is a string, a number or a boolean.
      expect(loadConfig({ ...required, [name]: String(fallback as string | number | boolean) }), name).toEqual(
        defaults,
      );
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'SCAN_CONCURRENCY',
        'EXPIRY_WARNING_DAYS',
        'ALERT_THRESHOLDS_DAYS',
        'POWER_PLATFORM_ENDPOINT',
        'POWER_PLATFORM_SCOPE',
        'SMTP_PORT',
        'SMTP_SECURE',
        'RETAIN_HISTORY_DAYS',
        'RETAIN_SENT_ALERTS_DAYS',
      ]),
    );
    expect(main.parameters?.scanSchedule?.defaultValue).toBe('0 0 * * * *');
    expect(settingExpression('ARM_ENDPOINT')).toBe('[environment().resourceManager]');
  });

  it('sends mail through the Communication Services resource it creates unless told otherwise', () => {
    expect(main.parameters?.mailTransport?.defaultValue).toBe('acs');
    expect(settingExpression('MAIL_FROM')).toContain("'senderAddress'");
    expect(settingExpression('ACS_ENDPOINT')).toContain("'endpoint'");
  });

  it('reaches host storage, tables and telemetry with the identity, never with a key', () => {
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(settings).toHaveProperty('AzureWebJobsStorage__accountName');
    expect(settingExpression('AzureWebJobsStorage__clientId')).toContain('clientId');
    expect(settings).not.toHaveProperty('AzureWebJobsStorage');
    expect(settingExpression('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toContain('Authorization=AAD');
    expect(settingExpression('TABLES_ENDPOINT')).toContain('tableEndpoint');
    expect(text).not.toMatch(/listKeys|AccountKey=|SharedAccessSignature/i);
  });

  it('leaves the runtime to Flex Consumption and adds only the telemetry connection string inside the module', () => {
    expect(settings).not.toHaveProperty('FUNCTIONS_WORKER_RUNTIME');
    expect(settings).not.toHaveProperty('FUNCTIONS_EXTENSION_VERSION');
    const added = [...configExpression.matchAll(/createObject\('(\w+)'/g)].map((match) => match[1]);
    expect(added).toEqual(['APPLICATIONINSIGHTS_CONNECTION_STRING', 'languageWorkers__node__arguments']);
  });

  it("caps the worker's heap only when told to", () => {
    expect(main.parameters?.workerHeapMiB?.defaultValue).toBe(0);
    expect(passedValue(appSettingsModule, 'workerHeapMiB')).toBe("[parameters('workerHeapMiB')]");
    expect(configExpression).toMatch(
      /if\(greater\(parameters\('workerHeapMiB'\), 0\), createObject\('languageWorkers__node__arguments', format\('--max-old-space-size=\{0\}', parameters\('workerHeapMiB'\)\)\), createObject\(\)\)/,
    );
  });

  it('reads the SMTP password only as a Key Vault reference and takes no secret as a parameter', () => {
    expect(settingExpression('SMTP_PASSWORD')).toContain(
      "'@Microsoft.KeyVault(SecretUri={0})', parameters('smtpPasswordSecretUri')",
    );
    expect(
      Object.keys(main.parameters ?? {}).filter((name) => /password$|secret$|key$|connectionString/i.test(name)),
    ).toEqual([]);
  });

  it("reads the alert channels' secrets only as Key Vault references, each readable by the monitor alone", () => {
    expect(settingExpression('ALERT_CHANNELS')).toBe("[parameters('alertChannels')]");
    expect(main.parameters?.alertChannels?.defaultValue).toBe('email');
    const passed = passedValue(appSettingsModule, 'channelSettings') as string;
    expect(passed).toContain("variables('channelSettings')");
    expect(passed).toContain("variables('channelSecretReferences')");
    expect(resolveVariables("[variables('channelSecretReferences')]", main)).toContain(
      "'@Microsoft.KeyVault(SecretUri={0})'",
    );
    expect(moduleOf(main, 'channelSecrets').copy?.count).toContain("variables('channelSecretUris')");
  });

  it('keeps the audit-record function off unless an Event Hub carries the records, and reads it with the identity', () => {
    expect(main.parameters?.auditLogs?.defaultValue).toBe(false);
    expect(settingExpression('AzureWebJobs.keyVaultAuditEvents.Disabled')).toBe(
      "[string(not(parameters('auditLogs')))]",
    );
    expect(definitions.map((definition) => definition.name)).toContain('keyVaultAuditEvents');
    expect(settingExpression('AuditEvents__fullyQualifiedNamespace')).toContain("'fullyQualifiedNamespace'");
    expect(settings.AuditEvents__credential).toBe('managedidentity');
    expect(settingExpression('AuditEvents__clientId')).toContain('clientId');
  });

  it('links the dashboard without a key', () => {
    expect(settingExpression('DASHBOARD_URL')).toMatch(/\/api\/dashboard'/);
    expect(text).not.toMatch(/[?&]code=/);
  });
});

describe('function app', () => {
  const site = single('Microsoft.Web/sites').resource;
  const plan = single('Microsoft.Web/serverfarms').resource;

  it('runs Node 22 on Flex Consumption under its user-assigned identity', () => {
    const properties = site.properties as {
      functionAppConfig: { runtime: unknown; deployment: { storage: { authentication: { type: unknown } } } };
      keyVaultReferenceIdentity: unknown;
      httpsOnly: unknown;
      siteConfig: unknown;
    };
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(properties.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    expect(site.identity?.type).toBe('UserAssigned');
    expect(properties.functionAppConfig.deployment.storage.authentication.type).toBe('UserAssignedIdentity');
    expect(properties.keyVaultReferenceIdentity).toBeTruthy();
    expect(properties.httpsOnly).toBe(true);
    expect(properties.siteConfig).toMatchObject({ minTlsVersion: '1.2', ftpsState: 'Disabled' });
  });

  it('is the service azure.yaml deploys', () => {
    const service = /services:\s*\n\s+(\w+):/.exec(
      readFileSync(new URL('../../azure.yaml', import.meta.url), 'utf8'),
    )?.[1];
    expect(service).toBe('monitor');
    expect(JSON.stringify(site)).toContain("'azd-service-name', 'monitor'");
  });
});

describe('Key Vault audit records (AUDIT_LOGS=true)', () => {
  const hub = moduleOf(main, 'auditHub');
  const diagnostics = moduleOf(main, 'auditDiagnostics');

  it('creates the hub the function listens to, and a diagnostic setting streaming AuditEvent only on each vault of its region', () => {
    expect(hub.condition).toBe("[parameters('auditLogs')]");
    expect(diagnostics.condition).toBe("[parameters('auditLogs')]");
    expect(JSON.stringify(diagnostics)).toContain("variables('auditedVaults')");
    expect(main.variables?.auditedVaults).toContain("parameters('location')");
    expect(main.variables?.auditEventHubName).toBe(auditHub.eventHubName);
    const setting = single('Microsoft.Insights/diagnosticSettings').resource;
    expect((setting.properties as { logs: unknown }).logs).toEqual([{ category: 'AuditEvent', enabled: true }]);
  });

  it('gives the diagnostic settings the rule they need, and the function no key', () => {
    const rule = single('Microsoft.EventHub/namespaces/authorizationRules').resource;
    expect((rule.properties as { rights: unknown }).rights).toEqual(['Manage', 'Listen', 'Send']);
    expect(single('Microsoft.EventHub/namespaces').resource.properties).toMatchObject({
      minimumTlsVersion: '1.2',
      disableLocalAuth: false,
    });
    expect(Object.keys(settings).filter((name) => name.startsWith('AuditEvents'))).toEqual([
      'AuditEvents__fullyQualifiedNamespace',
      'AuditEvents__credential',
      'AuditEvents__clientId',
    ]);
  });

  it('keeps messages as long as the monitor believes a record can have waited in the hub', () => {
    const hub = single('Microsoft.EventHub/namespaces/eventhubs').resource;
    expect((hub.properties as { messageRetentionInDays: unknown }).messageRetentionInDays).toBe(auditHubRetentionDays);
  });

  it("grants no identity the right to send to the hub: only the diagnostic settings' rule can", () => {
    for (const id of [role.eventHubsDataSender, role.eventHubsDataOwner]) expect(text).not.toContain(id);
  });
});

describe('no shared keys, no local auth', () => {
  it('storage refuses shared keys and anonymous blobs', () => {
    expect(single('Microsoft.Storage/storageAccounts').resource.properties).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      defaultToOAuthAuthentication: true,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
    });
  });

  it('telemetry and mail take Entra tokens only', () => {
    const properties = (type: string) => single(type).resource.properties;
    expect((properties('Microsoft.Insights/components') as { DisableLocalAuth: unknown }).DisableLocalAuth).toBe(true);
    const workspace = properties('Microsoft.OperationalInsights/workspaces') as {
      features: { disableLocalAuth: unknown };
    };
    expect(workspace.features.disableLocalAuth).toBe(true);
    const mail = properties('Microsoft.Communication/communicationServices') as { disableLocalAuth: unknown };
    expect(mail.disableLocalAuth).toBe(true);
  });
});

describe('roles', () => {
  const assignments = ofType(main, 'Microsoft.Authorization/roleAssignments').map((placed) => {
    const properties = placed.resource.properties as { roleDefinitionId: string; principalType: string };
    const definition = resolveVariables(String(properties.roleDefinitionId), placed.template);
    const builtIn = /'([0-9a-f-]{36})'/.exec(definition)?.[1];
    return {
      module: placed.modules.join('/'),
      role: builtIn ?? (definition.includes("'cmk-monitor-email-sender'") ? 'custom email sender' : definition),
      scope: scopeType(placed.resource),
      condition: placed.resource.condition ?? null,
      principalType: properties.principalType,
    };
  });

  it('are exactly the least-privilege list, each on the narrowest scope', () => {
    expect(assignments.map(({ module, role: r, scope, condition }) => ({ module, role: r, scope, condition }))).toEqual(
      [
        { module: 'app', role: role.storageBlobDataOwner, scope: 'Microsoft.Storage/storageAccounts', condition: null },
        {
          module: 'app',
          role: role.storageTableDataContributor,
          scope: 'Microsoft.Storage/storageAccounts',
          condition: null,
        },
        {
          module: 'app',
          role: role.monitoringMetricsPublisher,
          scope: 'Microsoft.Insights/components',
          condition: null,
        },
        {
          module: 'mailSender',
          role: 'custom email sender',
          scope: 'Microsoft.Communication/communicationServices',
          condition: null,
        },
        {
          module: 'smtpPassword',
          role: role.keyVaultSecretsUser,
          scope: 'Microsoft.KeyVault/vaults/secrets',
          condition: null,
        },
        {
          module: 'channelSecrets',
          role: role.keyVaultSecretsUser,
          scope: 'Microsoft.KeyVault/vaults/secrets',
          condition: null,
        },
        { module: 'subscriptionReaders', role: role.reader, scope: 'deployment scope', condition: null },
        {
          module: 'vaultReaders',
          role: role.keyVaultReader,
          scope: 'Microsoft.KeyVault/vaults',
          condition: "[parameters('rbac')]",
        },
        {
          module: 'auditHub',
          role: role.eventHubsDataReceiver,
          scope: 'Microsoft.EventHub/namespaces/eventhubs',
          condition: null,
        },
        {
          module: 'deadLetterWriters',
          role: role.storageBlobDataContributor,
          scope: 'Microsoft.Storage/storageAccounts/blobServices/containers',
          condition: null,
        },
      ],
    );
    expect(new Set(assignments.map((assignment) => assignment.principalType))).toEqual(new Set(['ServicePrincipal']));
  });

  it('never grant Owner, Contributor or User Access Administrator', () => {
    for (const id of [role.owner, role.contributor, role.userAccessAdministrator]) expect(text).not.toContain(id);
  });

  it('grant data-plane key reads on the vaults only when asked: Reader serves the keys through Resource Manager', () => {
    expect(moduleOf(main, 'vaultReaders').condition).toBe("[parameters('dataPlaneKeyReads')]");
    expect(main.parameters?.dataPlaneKeyReads?.defaultValue).toBe(false);
    expect(settingExpression('KEY_READS')).toBe("[if(parameters('dataPlaneKeyReads'), 'auto', 'arm')]");
  });

  it('put Reader on every policy and vault subscription, at subscription scope', () => {
    const readers = moduleOf(main, 'subscriptionReaders');
    expect(readers.subscriptionId).toBe("[variables('readSubscriptions')[copyIndex()]]");
    expect(readers.resourceGroup).toBeUndefined();
    expect(main.variables?.readSubscriptions).toContain("variables('policySubscriptions')");
    expect(main.variables?.readSubscriptions).toContain("parameters('vaultSubscriptions')");
  });

  it('the email sender role can send and nothing else', () => {
    const definition = single('Microsoft.Authorization/roleDefinitions').resource.properties as {
      permissions: unknown;
      assignableScopes: unknown;
    };
    expect(definition.permissions).toEqual([
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read',
          'Microsoft.Communication/CommunicationServices/Write',
          'Microsoft.Communication/EmailServices/write',
        ],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ]);
    expect(definition.assignableScopes).toEqual(['[resourceGroup().id]']);
  });

  it('an access-policy vault gives key metadata only', () => {
    const policy = single('Microsoft.KeyVault/vaults/accessPolicies').resource;
    expect(policy.condition).toBe("[not(parameters('rbac'))]");
    const { accessPolicies } = policy.properties as { accessPolicies: { permissions: unknown }[] };
    expect(accessPolicies).toHaveLength(1);
    expect(accessPolicies[0]?.permissions).toEqual({ keys: ['get', 'list', 'getrotationpolicy'] });
  });
});

describe('outputs', () => {
  it('carry no secret at any level', () => {
    const levels = [main, ...allResources(main).map((placed) => placed.template)];
    for (const template of levels) {
      for (const [name, output] of Object.entries(template.outputs ?? {})) {
        expect(`${name} ${JSON.stringify(output.value)}`, name).not.toMatch(
          /connectionString|password|secret|instrumentationKey|listKeys|accessKey|primaryKey/i,
        );
      }
    }
  });

  it('are what azd and the README use', () => {
    expect(Object.keys(main.outputs ?? {})).toEqual([
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
      'AZURE_RESOURCE_GROUP',
      'AZURE_FUNCTION_APP_NAME',
      'MONITOR_PRINCIPAL_ID',
      'MONITOR_CLIENT_ID',
      'DASHBOARD_URL',
    ]);
  });
});

describe('Event Grid', () => {
  const eventFunctions = definitions
    .filter((definition) => definition.trigger === 'eventGrid')
    .map((definition) => definition.name);
  const topics = ofType(main, 'Microsoft.EventGrid/systemTopics');
  const subscriptions = ofType(main, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
  const parameters = (name: string) =>
    Object.fromEntries(
      Object.entries(moduleOf(main, name).properties.parameters as Record<string, { value: unknown }>).map(
        ([key, p]) => [key, p.value],
      ),
    );

  it('wires each vault topic to keyVaultEvents for the key events the monitor handles', () => {
    expect(moduleOf(main, 'vaultTopics').condition).toBe("[parameters('wireEvents')]");
    expect(parameters('vaultTopics')).toMatchObject({
      topicType: 'Microsoft.KeyVault.vaults',
      source: "[parameters('monitoredVaults')[copyIndex()].id]",
      location: "[parameters('monitoredVaults')[copyIndex()].location]",
      functionName: 'keyVaultEvents',
      includedEventTypes: [
        'Microsoft.KeyVault.KeyNewVersionCreated',
        'Microsoft.KeyVault.KeyNearExpiry',
        'Microsoft.KeyVault.KeyExpired',
        'Microsoft.KeyVault.VaultAccessPolicyChanged',
      ],
    });
    expect(JSON.stringify(moduleOf(main, 'vaultTopics').properties.parameters?.topicName)).toContain(
      "variables('vaultTopicPlaces')",
    );
    expect(JSON.stringify(main.variables?.vaultTopicPlaces)).toContain('systemTopicId');
  });

  it('names each event subscription after the environment, as the teardown does, so two monitors can share a topic', () => {
    expect(parameters('vaultTopics').subscriptionName).toBe("[variables('eventSubscriptionName')]");
    expect(parameters('subscriptionTopics').subscriptionName).toBe("[variables('eventSubscriptionName')]");
    expect(main.variables?.eventSubscriptionName).toContain("format('cmk-monitor-{0}', parameters('environmentName'))");
    for (const { resource } of subscriptions) expect(resource.name).toContain("parameters('subscriptionName')");
  });

  it("wires each vault subscription's ARM topic to resourceEvents, filtered to access and vault changes", () => {
    expect(moduleOf(main, 'subscriptionTopics').condition).toBe("[parameters('wireEvents')]");
    expect(parameters('subscriptionTopics')).toMatchObject({
      topicType: 'Microsoft.Resources.Subscriptions',
      location: 'global',
      source: "[format('/subscriptions/{0}', parameters('vaultSubscriptions')[copyIndex()].subscriptionId)]",
      functionName: 'resourceEvents',
      includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
      advancedFilters: [
        {
          operatorType: 'StringBeginsWith',
          key: 'data.operationName',
          values: [
            'Microsoft.Authorization/roleAssignments/',
            'Microsoft.Authorization/roleDefinitions/',
            'Microsoft.KeyVault/vaults/',
          ],
        },
      ],
    });
  });

  it('points only at functions the app registers', () => {
    expect([parameters('vaultTopics').functionName, parameters('subscriptionTopics').functionName]).toEqual(
      eventFunctions,
    );
  });

  it("delivers to the function with every retry, and dead-letters with the topic's identity", () => {
    expect(subscriptions).toHaveLength(2);
    for (const { resource } of subscriptions) {
      const properties = resource.properties as {
        destination: unknown;
        eventDeliverySchema: unknown;
        filter: unknown;
        retryPolicy: unknown;
        deadLetterWithResourceIdentity: unknown;
      };
      expect(properties.destination).toEqual({
        endpointType: 'AzureFunction',
        properties: {
          resourceId: "[format('{0}/functions/{1}', parameters('functionAppId'), parameters('functionName'))]",
          maxEventsPerBatch: 1,
          preferredBatchSizeInKilobytes: 64,
        },
      });
      expect(properties.eventDeliverySchema).toBe('EventGridSchema');
      expect(properties.filter).toEqual({
        includedEventTypes: "[parameters('includedEventTypes')]",
        advancedFilters: "[parameters('advancedFilters')]",
      });
      expect(properties.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
      // Which identity writes the dead letters is read from the topic as it is: see 'Event Grid system topics'.
      expect(properties.deadLetterWithResourceIdentity).toContain("reference('topic', '2025-02-15', 'full')");
    }
    for (const { resource } of topics) expect(resource.identity?.type).toBe('SystemAssigned');
    expect(parameters('vaultTopics').deadLetterContainer).toBe("[variables('deadLetterContainer')]");
    expect(main.variables?.deadLetterContainer).toBe('eventgrid-deadletter');
  });

  it('lets the topics write dead letters to that container only once they exist', () => {
    const writers = moduleOf(main, 'deadLetterWriters');
    expect(writers.condition).toBe("[parameters('wireEvents')]");
    expect(JSON.stringify(writers.properties.parameters)).toContain("reference(format('vaultTopics[{0}]'");
  });
});

describe('Event Grid system topics, as deployed', () => {
  // Azure allows one system topic per source (https://learn.microsoft.com/azure/event-grid/system-topics): an
  // existing one must be used as it is, since a PUT of the topic would replace its identity and tags.
  const contoso = 'c0a1b2c3-d4e5-4f60-8172-93a4b5c6d7e8';
  const keysUs = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
  const euVault = `/subscriptions/${contoso}/resourceGroups/rg-cmk-eu/providers/Microsoft.KeyVault/vaults/kv-eu-prod`;
  const usVault = `/subscriptions/${keysUs}/resourceGroups/rg-cmk-us/providers/Microsoft.KeyVault/vaults/kv-us-hr`;
  const topicId = (subscriptionId: string, resourceGroup: string, name: string) =>
    `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.EventGrid/systemTopics/${name}`;
  const existingTopics = {
    euVault: topicId(contoso, 'rg-cmk-eu', 'kv-eu-prod-events'),
    usVault: topicId(keysUs, 'rg-cmk-us', 'hr-vault-events'),
    contoso: topicId(contoso, 'rg-events', 'contoso-arm'),
    keysUs: topicId(keysUs, 'rg-events-us', 'keys-us-arm'),
  };
  const storageId = `/subscriptions/${contoso}/resourceGroups/rg-cmk-prod/providers/Microsoft.Storage/storageAccounts/stcmk`;

  /** main.json's resources for these vaults, their subscriptions' existing topics (or none), and WIRE_EVENTS. */
  const deployment = (
    topics: { euVault?: string; usVault?: string; contoso?: string; keysUs?: string },
    wireEvents = true,
    options: PlanOptions = {},
  ) =>
    plan(
      main,
      {
        environmentName: 'cmk-prod',
        location: 'westeurope',
        policySubscriptionIds: contoso,
        alertToKeyVaultAdmins: 'keyvault-admins@contoso.com',
        alertToPowerPlatformAdmins: 'powerplatform-admins@contoso.com',
        wireEvents,
        monitoredVaults: [
          { id: euVault, location: 'westeurope', rbac: true, systemTopicId: topics.euVault ?? '' },
          { id: usVault, location: 'eastus', rbac: false, systemTopicId: topics.usVault ?? '' },
        ],
        vaultSubscriptions: [
          { subscriptionId: contoso, systemTopicId: topics.contoso ?? '' },
          { subscriptionId: keysUs, systemTopicId: topics.keysUs ?? '' },
        ],
      },
      { moduleOutputs: { storage: { id: storageId } }, ...options },
    );
  const written = (planned: ReturnType<typeof deployment>, type: string) =>
    planned
      .filter((resource) => resource.type === type && resource.deployed !== false)
      .map(({ modules, name, deployed }) => ({ modules, name, deployed }));
  const ourSubscription = (topic: string) => `${topic}/cmk-monitor-cmk-prod`;

  it("writes no system topic where one exists, only the monitor's event subscription as its child", () => {
    const planned = deployment(existingTopics);

    expect(written(planned, 'Microsoft.EventGrid/systemTopics')).toEqual([]);
    expect(written(planned, 'Microsoft.EventGrid/systemTopics/eventSubscriptions')).toEqual([
      { modules: 'vaultTopics[0]/subscription', name: ourSubscription('kv-eu-prod-events'), deployed: true },
      { modules: 'vaultTopics[1]/subscription', name: ourSubscription('hr-vault-events'), deployed: true },
      { modules: 'subscriptionTopics[0]/subscription', name: ourSubscription('contoso-arm'), deployed: true },
      { modules: 'subscriptionTopics[1]/subscription', name: ourSubscription('keys-us-arm'), deployed: true },
    ]);
    // Each is read as it is, in the deployment that writes the subscription, never written.
    const read = planned.filter(
      (resource) => resource.type === 'Microsoft.EventGrid/systemTopics' && resource.existing,
    );
    expect(read.map(({ modules, name }) => `${modules} ${name}`)).toEqual([
      'vaultTopics[0]/subscription kv-eu-prod-events',
      'vaultTopics[1]/subscription hr-vault-events',
      'subscriptionTopics[0]/subscription contoso-arm',
      'subscriptionTopics[1]/subscription keys-us-arm',
    ]);
    // Nothing else is written in those resource groups: the topics' other subscriptions are not touched.
    const events = planned.filter(
      (resource) => /^(vault|subscription)Topics\[/.test(resource.modules) && resource.deployed !== false,
    );
    expect(new Set(events.map((resource) => resource.type))).toEqual(
      new Set(['Microsoft.EventGrid/systemTopics/eventSubscriptions']),
    );
  });

  it('creates the system topic, with an identity for the dead letters, only where the source has none', () => {
    const planned = deployment({ euVault: existingTopics.euVault, keysUs: existingTopics.keysUs });

    const created = planned.filter(
      (resource) => resource.type === 'Microsoft.EventGrid/systemTopics' && resource.deployed !== false,
    );
    expect(created.map(({ modules, name, deployed }) => ({ modules, name, deployed }))).toEqual([
      { modules: 'vaultTopics[1]', name: 'cmk-kv-us-hr', deployed: true },
      { modules: 'subscriptionTopics[0]', name: `cmk-arm-${contoso}`, deployed: true },
    ]);
    expect(created.map((topic) => [topic.value('identity'), topic.value('properties')])).toEqual([
      [{ type: 'SystemAssigned' }, { source: usVault, topicType: 'Microsoft.KeyVault.vaults' }],
      [
        { type: 'SystemAssigned' },
        { source: `/subscriptions/${contoso}`, topicType: 'Microsoft.Resources.Subscriptions' },
      ],
    ]);
    expect(
      written(planned, 'Microsoft.EventGrid/systemTopics/eventSubscriptions').map((subscription) => subscription.name),
    ).toEqual([
      ourSubscription('kv-eu-prod-events'),
      ourSubscription('cmk-kv-us-hr'),
      ourSubscription(`cmk-arm-${contoso}`),
      ourSubscription('keys-us-arm'),
    ]);
  });

  it('creates every topic when none exists, and neither topics nor subscriptions before the functions exist', () => {
    expect(written(deployment({}), 'Microsoft.EventGrid/systemTopics').map((topic) => topic.name)).toEqual([
      'cmk-kv-eu-prod',
      'cmk-kv-us-hr',
      `cmk-arm-${contoso}`,
      `cmk-arm-${keysUs}`,
    ]);
    for (const topics of [{}, existingTopics]) {
      const planned = deployment(topics, false);
      expect(written(planned, 'Microsoft.EventGrid/systemTopics')).toEqual([]);
      expect(written(planned, 'Microsoft.EventGrid/systemTopics/eventSubscriptions')).toEqual([]);
    }
  });

  it("dead-letters with an existing topic's system-assigned identity, and without one adds none and dead-letters nowhere", () => {
    const topic = (identity: object | undefined) => ({
      existing: {
        'Microsoft.EventGrid/systemTopics/kv-eu-prod-events': {
          name: 'kv-eu-prod-events',
          ...(identity ? { identity } : {}),
        },
      },
    });
    const deadLetters = (identity: object | undefined) =>
      deployment({ euVault: existingTopics.euVault }, true, topic(identity))
        .find((resource) => resource.name === ourSubscription('kv-eu-prod-events'))
        ?.value('properties', 'deadLetterWithResourceIdentity');
    const toOurContainer = {
      identity: { type: 'SystemAssigned' },
      deadLetterDestination: {
        endpointType: 'StorageBlob',
        properties: { resourceId: storageId, blobContainerName: 'eventgrid-deadletter' },
      },
    };
    const principalId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

    expect(deadLetters({ type: 'SystemAssigned', principalId })).toEqual(toOurContainer);
    expect(
      deadLetters({ type: 'SystemAssigned, UserAssigned', principalId, userAssignedIdentities: { '/id': {} } }),
    ).toEqual(toOurContainer);
    expect(deadLetters({ type: 'UserAssigned', userAssignedIdentities: { '/id': {} } })).toBeNull();
    expect(deadLetters(undefined)).toBeNull();

    // The principal the dead-letter container's role goes to (deadLetterWriters skips an empty one).
    const subscriptionModule = compiled('events/eventSubscription.json');
    const principalOf = (identity: object | undefined) =>
      outputsOf(subscriptionModule, { topicName: 'kv-eu-prod-events' }, { existing: topic(identity).existing })
        .principalId;
    expect(principalOf({ type: 'SystemAssigned', principalId })).toBe(principalId);
    expect(principalOf({ type: 'UserAssigned', userAssignedIdentities: { '/id': {} } })).toBe('');
    expect(principalOf(undefined)).toBe('');
  });
});

describe('parameters', () => {
  const file = JSON.parse(
    readFileSync(new URL('../main.parameters.json', import.meta.url), 'utf8')
      .replace(/\$\{\w+=([^}]*)\}/g, (_, fallback: string) =>
        /^[\d[\]]|^(true|false)$/.test(fallback) ? fallback : `"${fallback}"`,
      )
      .replace(/""/g, '"')
      .replace(/\$\{(\w+)\}/g, '$1'),
  ) as { parameters: Record<string, unknown> };

  it('the required ones are described, validated and fed by azd', () => {
    const required = Object.entries(main.parameters ?? {}).filter(([, p]) => p.defaultValue === undefined);
    expect(required.map(([name]) => name)).toEqual([
      'environmentName',
      'location',
      'policySubscriptionIds',
      'alertToKeyVaultAdmins',
      'alertToPowerPlatformAdmins',
    ]);
    for (const [name, parameter] of required) {
      expect((parameter as { metadata?: { description?: string } }).metadata?.description, name).toBeTruthy();
      expect(parameter.minLength, name).toBeGreaterThan(0);
      expect(file.parameters, name).toHaveProperty(name);
    }
  });

  it('main.parameters.json names only parameters the template has', () => {
    expect(Object.keys(main.parameters ?? {})).toEqual(expect.arrayContaining(Object.keys(file.parameters)));
  });
});
