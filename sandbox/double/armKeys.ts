/**
 * ARM Microsoft.KeyVault/vaults/keys, read only: Keys_Get, Keys_GetVersion, Keys_ListVersions as azure-rest-api-specs
 * describes them (specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/examples
 * getKey.json, getKeyVersion.json, listKeyVersions.json): a key carries its attributes (no recoverableDays), kty,
 * keySize, keyOps, keyUri, keyUriWithVersion and, "omitted if empty", its rotationPolicy; a listed version carries
 * attributes and URIs only. Resource Manager serves them whatever the vault's firewall says: the firewall gates the
 * data plane only (learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints).
 * Not confirmed by a public example: the body of a 404 for a missing key, served here as ARM's ResourceNotFound.
 * A vault whose scenario says `monitorAccess: forbidden` refuses the monitor here too (ARM's AuthorizationFailed).
 * A Managed HSM's keys come the same way from `managedHSMs/keys` (ManagedHsmKeys_Get, _GetVersion, _ListVersions:
 * examples 2026-02-01/managedHsmGetKey.json, 2026-04-01-preview/managedHsmGetKeyVersion.json and
 * managedHsmListKeyVersions.json), in the same shape but with no `location`. A version read on its own
 * (Keys_GetVersion, getKeyVersion.json; ManagedHsmKeys_GetVersion) is named by its version id, of type `.../keys/versions`.
 */
import type { ArmContext } from './arm.js';
import { resourceNotFound } from './armErrors.js';
import { onArmVault } from './armVaults.js';
import { vaultResourceId, vaultResourceTypes, type VaultType } from './ids.js';
import { currentVersion, seconds, versionAttributes } from './keyVault.js';
import { paginate } from './paging.js';
import { monitorIdentity, refusesMonitor } from './identity.js';
import { errorReply, type DoubleRequest, type Reply, type Route } from './server.js';
import type { KeyState, KeyVersionState, RotationPolicyState, VaultState } from './state.js';

/** The request kinds counted for each type's key reads. */
const kinds: Record<VaultType, { get: string; getVersion: string; listVersions: string }> = {
  vault: { get: 'arm.getKey', getVersion: 'arm.getKeyVersion', listVersions: 'arm.listKeyVersions' },
  managedHsm: {
    get: 'arm.getManagedHsmKey',
    getVersion: 'arm.getManagedHsmKeyVersion',
    listVersions: 'arm.listManagedHsmKeyVersions',
  },
};

export function armKeyRoutes(context: ArmContext): Route[] {
  return [...keyRoutes(context, 'vault'), ...keyRoutes(context, 'managedHsm')];
}

function keyRoutes(context: ArmContext, type: VaultType): Route[] {
  const segment = vaultResourceTypes[type].split('/')[1]?.toLowerCase() ?? '';
  const parent = `^\\/subscriptions\\/([^/]+)\\/resourcegroups\\/([^/]+)\\/providers\\/microsoft\\.keyvault\\/${segment}\\/([^/]+)\\/keys\\/([^/]+)`;
  const keyPath = new RegExp(`${parent}\\/?$`, 'i');
  const versionsPath = new RegExp(`${parent}\\/versions\\/?$`, 'i');
  const versionPath = new RegExp(`${parent}\\/versions\\/([^/]+)\\/?$`, 'i');
  const keysType = `${vaultResourceTypes[type]}/keys`;
  const targets = (request: DoubleRequest) => [
    'arm',
    `arm:vault:${request.params[2] ?? ''}`,
    `arm:keys:${request.params[2] ?? ''}`,
  ];
  const onKey = (handle: (vault: VaultState, key: KeyState, request: DoubleRequest) => Reply) =>
    onArmVault(
      context,
      (vault, request) => {
        if (refusesMonitor(vault, request.headers.authorization))
          return authorizationFailed(request, `${keysType}/read`);
        const name = request.params[3] ?? '';
        const key = vault.keys.get(name.toLowerCase());
        return key
          ? handle(vault, key, request)
          : resourceNotFound(keysType, `${vault.name}/${name}`, vault.resourceGroup);
      },
      type,
    );
  return [
    {
      method: 'GET',
      pattern: keyPath,
      kind: kinds[type].get,
      targets,
      handle: onKey((vault, key) => ({ status: 200, body: keyResource(vault, key, currentVersion(key)) })),
    },
    {
      method: 'GET',
      pattern: versionPath,
      kind: kinds[type].getVersion,
      targets,
      handle: onKey((vault, key, request) => {
        const id = (request.params[4] ?? '').toLowerCase();
        const version = key.versions.find((candidate) => candidate.id === id);
        if (!version)
          return resourceNotFound(`${keysType}/versions`, `${vault.name}/${key.name}/${id}`, vault.resourceGroup);
        return { status: 200, body: versionResource(vault, key, version) };
      }),
    },
    {
      method: 'GET',
      pattern: versionsPath,
      kind: kinds[type].listVersions,
      targets,
      handle: onKey((vault, key, request) => ({
        status: 200,
        body: paginate(
          key.versions.map((version) => versionItem(vault, key, version)),
          request,
          context.pageSize,
          '$skipToken',
        ),
      })),
    },
  ];
}

/** ARM's 403 for a caller without the action at the scope (the shape every ARM authorization refusal takes). */
function authorizationFailed(request: DoubleRequest, action: string): Reply {
  const scope = request.url.pathname;
  return errorReply(
    403,
    'AuthorizationFailed',
    `The client '${monitorIdentity.clientId}' with object id '${monitorIdentity.principalId}' does not have authorization to perform action ` +
      `'${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

function keyId(vault: VaultState, key: KeyState): string {
  return `${vaultResourceId(vault.subscriptionId, vault.resourceGroup, vault.name, vault.type)}/keys/${key.name}`;
}

function uris(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return { keyUri: `${vault.uri}keys/${key.name}`, keyUriWithVersion: `${vault.uri}keys/${key.name}/${version.id}` };
}

/** A vault's keys carry its location; a Managed HSM's carry none (managedHsmGetKey.json). */
function located(vault: VaultState): object {
  return vault.type === 'vault' ? { location: vault.location } : {};
}

function keyResource(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return {
    id: keyId(vault, key),
    name: key.name,
    type: `${vaultResourceTypes[vault.type]}/keys`,
    ...located(vault),
    properties: keyProperties(vault, key, version),
  };
}

/** One version read on its own: named by its version id, with the key's properties as of that version. */
function versionResource(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return {
    id: `${keyId(vault, key)}/versions/${version.id}`,
    name: version.id,
    type: `${vaultResourceTypes[vault.type]}/keys/versions`,
    ...located(vault),
    properties: keyProperties(vault, key, version),
  };
}

function keyProperties(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return {
    attributes: versionAttributes(vault, version),
    kty: key.kty,
    keyOps: version.keyOps,
    ...(key.kty.toUpperCase().startsWith('RSA') && { keySize: key.size }),
    ...uris(vault, key, version),
    ...(key.rotationPolicy && { rotationPolicy: rotationPolicy(key.rotationPolicy) }),
  };
}

function versionItem(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return {
    id: `${keyId(vault, key)}/versions/${version.id}`,
    name: version.id,
    type: `${vaultResourceTypes[vault.type]}/keys/versions`,
    ...located(vault),
    properties: { attributes: versionAttributes(vault, version), ...uris(vault, key, version) },
  };
}

/** ARM's RotationPolicy: attributes (created, updated, expiryTime) and lifetimeActions with lower-case action types. */
function rotationPolicy(policy: RotationPolicyState): object {
  return {
    attributes: {
      created: seconds(policy.createdOn),
      updated: seconds(policy.updatedOn),
      ...(policy.expiryTime && { expiryTime: policy.expiryTime }),
    },
    lifetimeActions: policy.lifetimeActions.map((action) => ({
      trigger: action.trigger,
      action: { type: action.action.type.toLowerCase() },
    })),
  };
}
