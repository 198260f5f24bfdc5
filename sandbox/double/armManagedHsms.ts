/**
 * ARM Microsoft.KeyVault/managedHSMs, read only: ManagedHsms_Get as azure-rest-api-specs describes it
 * (specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/examples/2026-03-01-preview/ManagedHsm_Get.json):
 * 200 with the HSM, or 204 with no body for one that does not exist in a resource group that does (the spec lists
 * both). Its keys are served by ./armKeys.ts; a vault's name here is no HSM (204), as an HSM's name on the vault
 * routes is no vault (404).
 */
import type { ArmContext } from './arm.js';
import { resourceGroupNotFound, subscriptionNotFound } from './armErrors.js';
import { armVault } from './armVaults.js';
import { stableGuid, vaultResourceTypes } from './ids.js';
import type { DoubleRequest, Reply, Route } from './server.js';
import type { UnsetVaultProperty, VaultState } from './state.js';

const hsmPath =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/managedhsms\/([^/]+)\/?$/i;

export function managedHsmRoutes(context: ArmContext): Route[] {
  const targets = (request: DoubleRequest) => ['arm', `arm:vault:${request.params[2] ?? ''}`];
  return [
    {
      method: 'GET',
      pattern: hsmPath,
      kind: 'arm.getManagedHsm',
      targets,
      handle: (request) => getManagedHsm(context, request),
    },
  ];
}

function getManagedHsm(context: ArmContext, request: DoubleRequest): Reply {
  const [subscriptionId = '', resourceGroup = ''] = request.params;
  if (!context.state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
  const hsm = armVault(context, request, 'managedHsm');
  if (hsm) return { status: 200, body: managedHsmResource(context, hsm) };
  if (!context.state.hasResourceGroup(subscriptionId, resourceGroup)) return resourceGroupNotFound(resourceGroup);
  return { status: 204 };
}

/**
 * The HSM as ManagedHsm_Get.json shows it: `hsmUri` without a trailing slash, soft delete and its retention always
 * present (on, and immutable, in every Managed HSM), `enablePurgeProtection` present even when false, sku Standard_B1.
 * `networkAcls` (MhsmNetworkRuleSet: bypass, defaultAction, ipRules, virtualNetworkRules) and `publicNetworkAccess`
 * appear once set, as on a vault; the example has neither.
 */
export function managedHsmResource(context: ArmContext, hsm: VaultState): object {
  const isSet = (property: UnsetVaultProperty) => !hsm.unset.has(property);
  return {
    id: context.state.vaultId(hsm),
    name: hsm.name,
    type: vaultResourceTypes.managedHsm,
    location: hsm.location,
    sku: { name: hsm.sku, family: 'B' },
    tags: hsm.tags,
    properties: {
      tenantId: context.state.tenantId,
      initialAdminObjectIds: [stableGuid(`managed-hsm-admin:${hsm.name}`.toLowerCase())],
      enableSoftDelete: true,
      softDeleteRetentionInDays: hsm.softDeleteRetentionDays,
      enablePurgeProtection: hsm.purgeProtection,
      hsmUri: hsm.uri.replace(/\/$/, ''),
      provisioningState: 'Succeeded',
      statusMessage: 'ManagedHsm is functional.',
      ...(isSet('publicNetworkAccess') && { publicNetworkAccess: hsm.publicNetworkAccess }),
      ...(isSet('networkAcls') && {
        networkAcls: {
          bypass: hsm.trustedServicesBypass ? 'AzureServices' : 'None',
          defaultAction: hsm.networkDefaultAction,
          ipRules: hsm.ipRules.map((value) => ({ value })),
          virtualNetworkRules: hsm.virtualNetworkRules.map((id) => ({ id })),
        },
      }),
    },
  };
}
