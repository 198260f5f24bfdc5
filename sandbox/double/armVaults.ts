/** ARM Microsoft.KeyVault/vaults: get, update (PATCH), create or update (PUT), delete, and the access-policy edit. */
import { z } from 'zod';
import type { ArmContext } from './arm.js';
import { badRequest, resourceNotFound, subscriptionNotFound } from './armErrors.js';
import { vaultResourceTypes, type VaultType } from './ids.js';
import type { DoubleRequest, Reply, Route } from './server.js';
import type { AccessPolicyEntry, UnsetVaultProperty, VaultSettings, VaultState } from './state.js';

const vaultPath =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/vaults\/([^/]+)\/?$/i;
const accessPolicyPath =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/vaults\/([^/]+)\/accesspolicies\/(add|replace|remove)\/?$/i;
const vaultType = vaultResourceTypes.vault;

const permissionList = z.array(z.string()).optional();
const accessPolicyBody = z.object({
  tenantId: z.string(),
  objectId: z.string(),
  permissions: z.object({ keys: permissionList, secrets: permissionList, certificates: permissionList }),
});
const vaultPropertiesBody = z.object({
  accessPolicies: z.array(accessPolicyBody).optional(),
  enableSoftDelete: z.boolean().optional(),
  softDeleteRetentionInDays: z.number().optional(),
  enablePurgeProtection: z.boolean().optional(),
  enableRbacAuthorization: z.boolean().optional(),
  publicNetworkAccess: z.string().optional(),
  sku: z.object({ family: z.string().optional(), name: z.string() }).optional(),
  networkAcls: z
    .object({
      bypass: z.string().optional(),
      defaultAction: z.string().optional(),
      ipRules: z.array(z.object({ value: z.string() })).optional(),
      virtualNetworkRules: z.array(z.object({ id: z.string() })).optional(),
    })
    .optional(),
});
const tags = z.record(z.string(), z.string()).optional();
const patchBody = z.object({ tags, properties: vaultPropertiesBody.optional() });
const putBody = z.object({ location: z.string(), tags, properties: vaultPropertiesBody });
const accessPolicyUpdateBody = z.object({ properties: z.object({ accessPolicies: z.array(accessPolicyBody) }) });

/**
 * A handler of a route under a vault's ARM path (subscription, resource group, vault name as the first params), or
 * under a Managed HSM's with `type` 'managedHsm': a vault is no Managed HSM, nor the other way round.
 */
export function onArmVault(
  context: ArmContext,
  handle: (vault: VaultState, request: DoubleRequest) => Reply | Promise<Reply>,
  type: VaultType = 'vault',
) {
  return (request: DoubleRequest) => {
    const [subscriptionId = '', resourceGroup = '', name = ''] = request.params;
    if (!context.state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
    const vault = armVault(context, request, type);
    if (!vault) return resourceNotFound(vaultResourceTypes[type], name, resourceGroup);
    return handle(vault, request);
  };
}

/** The vault or Managed HSM of that type the path names (subscription, resource group, name as the first params). */
export function armVault(context: ArmContext, request: DoubleRequest, type: VaultType): VaultState | undefined {
  const [subscriptionId = '', resourceGroup = '', name = ''] = request.params;
  const vault = context.state.vault(name);
  const here =
    vault &&
    vault.type === type &&
    sameText(vault.subscriptionId, subscriptionId) &&
    sameText(vault.resourceGroup, resourceGroup);
  return here ? vault : undefined;
}

export function vaultRoutes(context: ArmContext): Route[] {
  const targets = (request: DoubleRequest) => ['arm', `arm:vault:${request.params[2] ?? ''}`];
  const existing = (handle: (vault: VaultState, request: DoubleRequest) => Reply | Promise<Reply>) =>
    onArmVault(context, handle);
  return [
    {
      method: 'GET',
      pattern: vaultPath,
      kind: 'arm.getVault',
      targets,
      handle: existing((vault) => ok(context, vault)),
    },
    {
      method: 'PATCH',
      pattern: vaultPath,
      kind: 'arm.updateVault',
      targets,
      handle: existing((vault, request) => updateVault(context, vault, request)),
    },
    {
      method: 'PUT',
      pattern: vaultPath,
      kind: 'arm.putVault',
      targets,
      handle: (request) => putVault(context, request),
    },
    {
      method: 'DELETE',
      pattern: vaultPath,
      kind: 'arm.deleteVault',
      targets,
      handle: (request) => deleteVault(context, request),
    },
    {
      method: 'PUT',
      pattern: accessPolicyPath,
      kind: 'arm.updateAccessPolicy',
      targets: (request) => [...targets(request), `arm:accessPolicies:${request.params[2] ?? ''}`],
      handle: existing((vault, request) => updateAccessPolicy(context, vault, request)),
    },
  ];
}

function updateVault(context: ArmContext, vault: VaultState, request: DoubleRequest): Reply {
  const body = patchBody.safeParse(request.body ?? {});
  if (!body.success) return invalidContent(body.error);
  const settings = settingsFrom(vault, body.data.properties ?? {});
  if ('error' in settings) return settings.error;
  context.state.setVault(vault.name, { ...settings, ...(body.data.tags && { tags: body.data.tags }) });
  return ok(context, vault);
}

/** Creates the vault (with its own data-plane origin) or updates it; the reply is final, so the SDK's poller stops at once. */
async function putVault(context: ArmContext, request: DoubleRequest): Promise<Reply> {
  const [subscriptionId = '', resourceGroup = '', name = ''] = request.params;
  if (!context.state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
  const body = putBody.safeParse(request.body ?? {});
  if (!body.success) return invalidContent(body.error);
  const vault = context.state.vault(name);
  // The double keeps vaults and Managed HSMs in one namespace (Azure has one per type): a vault cannot take an HSM's name.
  if (
    vault &&
    (vault.type !== 'vault' ||
      !sameText(vault.subscriptionId, subscriptionId) ||
      !sameText(vault.resourceGroup, resourceGroup))
  ) {
    return {
      status: 409,
      body: { error: { code: 'VaultAlreadyExists', message: `The vault name '${name}' is already in use.` } },
    };
  }
  const settings = settingsFrom(vault, body.data.properties);
  if ('error' in settings) return settings.error;
  const tagsPatch = body.data.tags ? { tags: body.data.tags } : {};
  if (vault) return ok(context, context.state.setVault(vault.name, { ...settings, ...tagsPatch }));
  const uri = await context.vaultEndpoint(name);
  const created = context.state.addVault({
    subscriptionId,
    name,
    resourceGroup,
    location: body.data.location,
    uri,
    ...settings,
    ...tagsPatch,
  });
  return { status: 201, body: vaultResource(context, created) };
}

function deleteVault(context: ArmContext, request: DoubleRequest): Reply {
  const vault = armVault(context, request, 'vault');
  if (!vault) return { status: 204 };
  context.state.deleteVault(vault.name);
  return { status: 200 };
}

/**
 * Vaults_UpdateAccessPolicy (azure-rest-api-specs, specification/keyvault/resource-manager/Microsoft.KeyVault/stable/
 * 2024-11-01/keyvault.json; the reply as in examples/updateAccessPoliciesAdd.json). `add` merges the permissions into
 * the principal's entry or adds one, `replace` sets them, `remove` takes them out and drops an entry left with none.
 * `remove` matches permissions case-sensitively and answers 200 when nothing matched: Azure/azure-rest-api-specs
 * issue #42963 reports a casing other than the stored one as a silent no-op.
 */
function updateAccessPolicy(context: ArmContext, vault: VaultState, request: DoubleRequest): Reply {
  const body = accessPolicyUpdateBody.safeParse(request.body ?? {});
  if (!body.success) return invalidContent(body.error);
  const operation = (request.params[3] ?? '').toLowerCase();
  const changes = body.data.properties.accessPolicies.map(toEntry);
  let accessPolicies = [...vault.accessPolicies];
  for (const change of changes) {
    const index = accessPolicies.findIndex(
      (entry) => sameText(entry.objectId, change.objectId) && sameText(entry.tenantId, change.tenantId),
    );
    const current = accessPolicies[index];
    if (operation === 'remove') {
      if (!current) continue;
      const left = without(current.permissions, change.permissions);
      accessPolicies = isEmpty(left)
        ? accessPolicies.filter((_, position) => position !== index)
        : accessPolicies.map((entry, position) => (position === index ? { ...entry, permissions: left } : entry));
    } else if (!current) {
      accessPolicies.push(change);
    } else {
      accessPolicies[index] =
        operation === 'add' ? { ...current, permissions: union(current.permissions, change.permissions) } : change;
    }
  }
  context.state.setVault(vault.name, { accessPolicies });
  return {
    status: 200,
    body: {
      id: `${context.state.vaultId(vault)}/accessPolicies/`,
      type: 'Microsoft.KeyVault/vaults/accessPolicies',
      properties: { accessPolicies: changes },
    },
  };
}

type VaultProperties = z.infer<typeof vaultPropertiesBody>;

/**
 * The settings a PATCH or PUT asks for, refusing what ARM refuses: turning soft delete or purge protection off, and a
 * soft-delete retention outside 7 to 90 days ("It accepts >=7 and <=90", VaultProperties.softDeleteRetentionInDays in
 * @azure/arm-keyvault) or other than the one already set ("Once set, the retention policy interval cannot be changed",
 * learn.microsoft.com/azure/key-vault/general/soft-delete-overview; while never set, ARM omits it and one update may
 * set it: hashicorp/terraform-provider-azurerm pull request 10088). The wording of the retention refusals is the
 * double's own: no public source quotes ARM's.
 */
function settingsFrom(
  vault: VaultState | undefined,
  properties: VaultProperties,
): Partial<VaultSettings> | { error: Reply } {
  if (vault?.softDelete && properties.enableSoftDelete === false) {
    return {
      error: badRequest(
        'BadRequest',
        'The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.',
      ),
    };
  }
  if (vault?.purgeProtection && properties.enablePurgeProtection === false) {
    return {
      error: badRequest(
        'BadRequest',
        'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.',
      ),
    };
  }
  const retention = properties.softDeleteRetentionInDays;
  if (retention !== undefined && !(Number.isInteger(retention) && retention >= 7 && retention <= 90)) {
    return {
      error: badRequest('BadRequest', 'The property "softDeleteRetentionInDays" accepts whole days from 7 to 90.'),
    };
  }
  if (
    retention !== undefined &&
    vault &&
    !vault.unset.has('softDeleteRetentionInDays') &&
    retention !== vault.softDeleteRetentionDays
  ) {
    return {
      error: badRequest(
        'BadRequest',
        'The property "softDeleteRetentionInDays" has been set already and cannot be changed.',
      ),
    };
  }
  const acls = properties.networkAcls;
  const publicNetworkAccess = properties.publicNetworkAccess?.toLowerCase();
  const defaultAction = acls?.defaultAction?.toLowerCase();
  return {
    ...(properties.enableSoftDelete !== undefined && { softDelete: properties.enableSoftDelete }),
    ...(retention !== undefined && { softDeleteRetentionDays: retention }),
    ...(properties.enablePurgeProtection !== undefined && { purgeProtection: properties.enablePurgeProtection }),
    ...(properties.enableRbacAuthorization !== undefined && { rbac: properties.enableRbacAuthorization }),
    ...(publicNetworkAccess !== undefined && {
      publicNetworkAccess: publicNetworkAccess === 'disabled' ? 'Disabled' : 'Enabled',
    }),
    ...(properties.accessPolicies && { accessPolicies: properties.accessPolicies.map(toEntry) }),
    ...(properties.sku && { sku: properties.sku.name }),
    ...(defaultAction !== undefined && { networkDefaultAction: defaultAction === 'deny' ? 'Deny' : 'Allow' }),
    ...(acls?.bypass !== undefined && { trustedServicesBypass: acls.bypass.toLowerCase().includes('azureservices') }),
    ...(acls?.ipRules && { ipRules: acls.ipRules.map((rule) => rule.value) }),
    ...(acls?.virtualNetworkRules && { virtualNetworkRules: acls.virtualNetworkRules.map((rule) => rule.id) }),
  };
}

function ok(context: ArmContext, vault: VaultState): Reply {
  return { status: 200, body: vaultResource(context, vault) };
}

/**
 * The vault as ARM returns it; like ARM, it omits enablePurgeProtection unless purge protection is on, and the
 * optional properties never set (`vault.unset`): Azure/azure-rest-api-specs specification/keyvault/resource-manager/
 * Microsoft.KeyVault/KeyVault/stable/2026-02-01/examples/getVault.json has no enableSoftDelete,
 * enableRbacAuthorization or networkAcls, and examples/createVaultWithNetworkAcls.json no publicNetworkAccess.
 */
export function vaultResource(context: ArmContext, vault: VaultState): object {
  const isSet = (property: UnsetVaultProperty) => !vault.unset.has(property);
  return {
    id: context.state.vaultId(vault),
    name: vault.name,
    type: vaultType,
    location: vault.location,
    tags: vault.tags,
    properties: {
      sku: { family: 'A', name: vault.sku },
      tenantId: context.state.tenantId,
      accessPolicies: vault.accessPolicies,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      ...(isSet('enableSoftDelete') && { enableSoftDelete: vault.softDelete }),
      ...(isSet('softDeleteRetentionInDays') &&
        vault.softDelete && { softDeleteRetentionInDays: vault.softDeleteRetentionDays }),
      ...(isSet('enableRbacAuthorization') && { enableRbacAuthorization: vault.rbac }),
      ...(vault.purgeProtection && { enablePurgeProtection: true }),
      vaultUri: vault.uri,
      provisioningState: 'Succeeded',
      ...(isSet('publicNetworkAccess') && { publicNetworkAccess: vault.publicNetworkAccess }),
      ...(isSet('networkAcls') && {
        networkAcls: {
          bypass: vault.trustedServicesBypass ? 'AzureServices' : 'None',
          defaultAction: vault.networkDefaultAction,
          ipRules: vault.ipRules.map((value) => ({ value })),
          virtualNetworkRules: vault.virtualNetworkRules.map((id) => ({ id, ignoreMissingVnetServiceEndpoint: false })),
        },
      }),
    },
  };
}

function toEntry(body: z.infer<typeof accessPolicyBody>): AccessPolicyEntry {
  const { keys = [], secrets = [], certificates = [] } = body.permissions;
  return { tenantId: body.tenantId, objectId: body.objectId, permissions: { keys, secrets, certificates } };
}

function union(
  a: AccessPolicyEntry['permissions'],
  b: AccessPolicyEntry['permissions'],
): AccessPolicyEntry['permissions'] {
  const merge = (x: string[], y: string[]) => [
    ...x,
    ...y.filter((item) => !x.some((existing) => sameText(existing, item))),
  ];
  return {
    keys: merge(a.keys, b.keys),
    secrets: merge(a.secrets, b.secrets),
    certificates: merge(a.certificates, b.certificates),
  };
}

function without(
  a: AccessPolicyEntry['permissions'],
  b: AccessPolicyEntry['permissions'],
): AccessPolicyEntry['permissions'] {
  const remove = (x: string[], y: string[]) => x.filter((item) => !y.includes(item));
  return {
    keys: remove(a.keys, b.keys),
    secrets: remove(a.secrets, b.secrets),
    certificates: remove(a.certificates, b.certificates),
  };
}

function isEmpty(permissions: AccessPolicyEntry['permissions']): boolean {
  return permissions.keys.length + permissions.secrets.length + permissions.certificates.length === 0;
}

function invalidContent(error: z.ZodError): Reply {
  const issue = error.issues[0];
  return badRequest(
    'InvalidRequestContent',
    `The request content was invalid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
  );
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
