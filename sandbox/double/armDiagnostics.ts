/**
 * ARM Microsoft.Insights diagnostic settings on a Key Vault (api-version 2021-05-01-preview), as azure-rest-api-specs
 * describes them in specification/monitor/resource-manager/Microsoft.Insights/preview/2021-05-01-preview/
 * diagnosticsSettings_API.json: an extension resource at `{resourceUri}/providers/Microsoft.Insights/
 * diagnosticSettings/{name}`; Get answers the resource, List `{ value: [...] }`, CreateOrUpdate 200 with the
 * resource, Delete 200 for a setting removed and 204 for none.
 */
import type { ArmContext } from './arm.js';
import { badRequest, resourceNotFound, subscriptionNotFound } from './armErrors.js';
import type { DoubleRequest, Reply, Route } from './server.js';
import type { DiagnosticSettingState } from './state.js';

const vaultPath =
  '/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\\.keyvault/vaults/([^/]+)/providers/microsoft\\.insights/diagnosticsettings';
const listPath = new RegExp(`^${vaultPath}/?$`, 'i');
const settingPath = new RegExp(`^${vaultPath}/([^/]+)/?$`, 'i');

export function diagnosticSettingRoutes(context: ArmContext): Route[] {
  const { state } = context;
  const targets = () => ['arm', 'arm:diagnosticSettings'];
  const onVault =
    (handle: (vaultId: string, name: string, request: DoubleRequest) => Reply) => (request: DoubleRequest) => {
      const [subscriptionId = '', resourceGroup = '', vaultName = '', name = ''] = request.params;
      if (!state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
      const vault = state.vault(vaultName);
      if (
        !vault ||
        vault.type !== 'vault' ||
        vault.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase() ||
        vault.resourceGroup.toLowerCase() !== resourceGroup.toLowerCase()
      ) {
        return resourceNotFound('Microsoft.KeyVault/vaults', vaultName, resourceGroup);
      }
      return handle(state.vaultId(vault), name, request);
    };
  const resource = (setting: DiagnosticSettingState) => ({
    id: `${setting.resourceId}/providers/microsoft.insights/diagnosticSettings/${setting.name}`,
    name: setting.name,
    type: 'Microsoft.Insights/diagnosticSettings',
    properties: setting.properties,
  });
  return [
    {
      method: 'GET',
      pattern: listPath,
      kind: 'arm.listDiagnosticSettings',
      targets,
      handle: onVault((vaultId) => ({
        status: 200,
        body: {
          value: [...state.diagnosticSettings.values()]
            .filter((setting) => setting.resourceId.toLowerCase() === vaultId.toLowerCase())
            .map(resource),
        },
      })),
    },
    {
      method: 'GET',
      pattern: settingPath,
      kind: 'arm.getDiagnosticSetting',
      targets,
      handle: onVault((vaultId, name) => {
        const setting = state.diagnosticSetting(vaultId, name);
        return setting
          ? { status: 200, body: resource(setting) }
          : resourceNotFound('Microsoft.Insights/diagnosticSettings', name, vaultId);
      }),
    },
    {
      method: 'PUT',
      pattern: settingPath,
      kind: 'arm.putDiagnosticSetting',
      targets,
      handle: onVault((vaultId, name, request) => {
        const properties = (request.body as { properties?: unknown } | undefined)?.properties;
        if (typeof properties !== 'object' || properties === null)
          return badRequest('InvalidRequestContent', 'The request content must have properties.');
        return {
          status: 200,
          body: resource(state.putDiagnosticSetting(vaultId, name, properties as Record<string, unknown>)),
        };
      }),
    },
    {
      method: 'DELETE',
      pattern: settingPath,
      kind: 'arm.deleteDiagnosticSetting',
      targets,
      handle: onVault((vaultId, name) => ({ status: state.deleteDiagnosticSetting(vaultId, name) ? 200 : 204 })),
    },
  ];
}
