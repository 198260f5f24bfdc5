/**
 * ARM Microsoft.KeyVault/vaults/keys, read only: Keys_Get, Keys_GetVersion, Keys_ListVersions as azure-rest-api-specs
 * describes them (specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/examples
 * getKey.json, getKeyVersion.json, listKeyVersions.json): a key carries its attributes (no recoverableDays), kty,
 * keySize, keyOps, keyUri, keyUriWithVersion and, "omitted if empty", its rotationPolicy; a listed version carries
 * attributes and URIs only. Resource Manager serves them whatever the vault's firewall says: the firewall gates the
 * data plane only (learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints).
 * Not confirmed by a public example: the body of a 404 for a missing key, served here as ARM's ResourceNotFound.
 * A vault whose scenario says `monitorAccess: forbidden` refuses the monitor here too (ARM's AuthorizationFailed).
 */
import type { ArmContext } from './arm.js';
import { resourceNotFound } from './armErrors.js';
import { onArmVault } from './armVaults.js';
import { currentVersion, seconds, versionAttributes } from './keyVault.js';
import { paginate } from './paging.js';
import { monitorIdentity } from './identity.js';
import { errorReply, type DoubleRequest, type Reply, type Route } from './server.js';
import type { KeyState, KeyVersionState, RotationPolicyState, VaultState } from './state.js';

const vaultPath = '^\\/subscriptions\\/([^/]+)\\/resourcegroups\\/([^/]+)\\/providers\\/microsoft\\.keyvault\\/vaults\\/([^/]+)\\/keys\\/([^/]+)';
const keyPath = new RegExp(`${vaultPath}\\/?$`, 'i');
const versionsPath = new RegExp(`${vaultPath}\\/versions\\/?$`, 'i');
const versionPath = new RegExp(`${vaultPath}\\/versions\\/([^/]+)\\/?$`, 'i');

export function armKeyRoutes(context: ArmContext): Route[] {
  const targets = (request: DoubleRequest) => ['arm', `arm:vault:${request.params[2] ?? ''}`, `arm:keys:${request.params[2] ?? ''}`];
  const onKey = (handle: (vault: VaultState, key: KeyState, request: DoubleRequest) => Reply) =>
    onArmVault(context, (vault, request) => {
      if (vault.monitorAccess === 'forbidden') return authorizationFailed(request);
      const name = request.params[3] ?? '';
      const key = vault.keys.get(name.toLowerCase());
      return key ? handle(vault, key, request) : resourceNotFound('Microsoft.KeyVault/vaults/keys', `${vault.name}/${name}`, vault.resourceGroup);
    });
  return [
    {
      method: 'GET',
      pattern: keyPath,
      kind: 'arm.getKey',
      targets,
      handle: onKey((vault, key) => ({ status: 200, body: keyResource(vault, key, currentVersion(key)) })),
    },
    {
      method: 'GET',
      pattern: versionPath,
      kind: 'arm.getKeyVersion',
      targets,
      handle: onKey((vault, key, request) => {
        const id = (request.params[4] ?? '').toLowerCase();
        const version = key.versions.find((candidate) => candidate.id === id);
        if (!version) return resourceNotFound('Microsoft.KeyVault/vaults/keys/versions', `${vault.name}/${key.name}/${id}`, vault.resourceGroup);
        return { status: 200, body: keyResource(vault, key, version) };
      }),
    },
    {
      method: 'GET',
      pattern: versionsPath,
      kind: 'arm.listKeyVersions',
      targets,
      handle: onKey((vault, key, request) => ({
        status: 200,
        body: paginate(key.versions.map((version) => versionItem(vault, key, version)), request, context.pageSize, '$skipToken'),
      })),
    },
  ];
}

/** ARM's 403 for a caller without the action at the scope (the shape every ARM authorization refusal takes). */
function authorizationFailed(request: DoubleRequest): Reply {
  const scope = request.url.pathname;
  return errorReply(
    403,
    'AuthorizationFailed',
    `The client '${monitorIdentity.clientId}' with object id '${monitorIdentity.principalId}' does not have authorization to perform action ` +
      `'Microsoft.KeyVault/vaults/keys/read' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

function keyId(vault: VaultState, key: KeyState): string {
  return `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}/keys/${key.name}`;
}

function uris(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return { keyUri: `${vault.uri}keys/${key.name}`, keyUriWithVersion: `${vault.uri}keys/${key.name}/${version.id}` };
}

function keyResource(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return {
    id: keyId(vault, key),
    name: key.name,
    type: 'Microsoft.KeyVault/vaults/keys',
    location: vault.location,
    properties: {
      attributes: versionAttributes(vault, version),
      kty: key.kty,
      keyOps: version.keyOps,
      ...(key.kty.toUpperCase().startsWith('RSA') && { keySize: key.size }),
      ...uris(vault, key, version),
      ...(key.rotationPolicy && { rotationPolicy: rotationPolicy(key.rotationPolicy) }),
    },
  };
}

function versionItem(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  return {
    id: `${keyId(vault, key)}/versions/${version.id}`,
    name: version.id,
    type: 'Microsoft.KeyVault/vaults/keys/versions',
    location: vault.location,
    properties: { attributes: versionAttributes(vault, version), ...uris(vault, key, version) },
  };
}

/** ARM's RotationPolicy: attributes (created, updated, expiryTime) and lifetimeActions with lower-case action types. */
function rotationPolicy(policy: RotationPolicyState): object {
  return {
    attributes: { created: seconds(policy.createdOn), updated: seconds(policy.updatedOn), ...(policy.expiryTime && { expiryTime: policy.expiryTime }) },
    lifetimeActions: policy.lifetimeActions.map((action) => ({ trigger: action.trigger, action: { type: action.action.type.toLowerCase() } })),
  };
}
