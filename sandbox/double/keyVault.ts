/**
 * The Key Vault data plane of one vault (REST API 7.x, as @azure/keyvault-keys calls it), served at the root of its own
 * origin. A Managed HSM serves the same key API (the same KeyClient reads it); it differs in its token audience and in
 * how it refuses a caller its local RBAC does not admit.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from './auditLog.js';
import { monitorIdentity, refusesMonitor } from './identity.js';
import { keyVaultApiVersionRefusal } from './apiVersions.js';
import { paginate } from './paging.js';
import { errorReply, type DoubleRequest, type Reply, type Route, type Service } from './server.js';
import type {
  DoubleState,
  KeyState,
  KeyVersionState,
  LifetimeAction,
  RotationPolicyState,
  VaultState,
} from './state.js';

const name = '([^/]+)';
export const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const fromSeconds = (value: number) => new Date(value * 1000);
const defaultNotifyAction: LifetimeAction = { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } };
const helpLink = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

const attributesBody = z.object({
  enabled: z.boolean().optional(),
  nbf: z.number().nullable().optional(),
  exp: z.number().nullable().optional(),
});
const createKeyBody = z.object({
  kty: z.enum(['RSA', 'RSA-HSM', 'EC', 'EC-HSM']),
  key_size: z.number().int().positive().optional(),
  crv: z.enum(['P-256', 'P-384', 'P-521']).optional(),
  key_ops: z.array(z.string()).optional(),
  attributes: attributesBody.optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
const updateKeyBody = z.object({
  key_ops: z.array(z.string()).optional(),
  attributes: attributesBody.optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
const rotationPolicyBody = z.object({
  lifetimeActions: z
    .array(
      z.object({
        trigger: z.object({ timeAfterCreate: z.string().optional(), timeBeforeExpiry: z.string().optional() }),
        action: z.object({ type: z.string() }),
      }),
    )
    .optional(),
  attributes: z.object({ expiryTime: z.string().nullable().optional() }).optional(),
});

interface VaultContext {
  state: DoubleState;
  vaultName: string;
  pageSize: number;
  /** Where every call is logged, as a diagnostic setting would stream it; absent when nothing listens. */
  audit?: AuditLog;
}

export function keyVaultService(context: VaultContext): Service {
  const { state, vaultName } = context;
  const target = () => [`vault:${vaultName}`];
  const route = (method: string, pattern: RegExp, kind: string, access: 'read' | 'write', handle: Handler): Route => ({
    method,
    pattern,
    kind,
    targets: target,
    handle: (request) => {
      const vault = state.vault(vaultName);
      if (!vault) return errorReply(404, 'VaultNotFound', `Vault ${vaultName} was not found.`);
      const firewall = firewallRefusal(state, vault);
      if (firewall) return firewall;
      if (access === 'read' && refusesMonitor(vault, request.headers.authorization))
        return forbidden(state, vault, request);
      return handle(vault, request);
    },
  });
  return {
    name: 'keyvault',
    observe: (exchange) => context.audit?.dataPlane(vaultName, exchange),
    routes: [
      route('GET', /^\/keys\/?$/i, 'keyvault.listKeys', 'read', (vault, request) => listKeys(context, vault, request)),
      route(
        'GET',
        new RegExp(`^/keys/${name}/versions/?$`, 'i'),
        'keyvault.listKeyVersions',
        'read',
        (vault, request) => listKeyVersions(context, vault, request),
      ),
      route(
        'GET',
        new RegExp(`^/keys/${name}/rotationpolicy/?$`, 'i'),
        'keyvault.getRotationPolicy',
        'read',
        getRotationPolicy,
      ),
      route(
        'PUT',
        new RegExp(`^/keys/${name}/rotationpolicy/?$`, 'i'),
        'keyvault.updateRotationPolicy',
        'write',
        (vault, request) => updateRotationPolicy(state, vault, request),
      ),
      route('POST', new RegExp(`^/keys/${name}/create/?$`, 'i'), 'keyvault.createKey', 'write', (vault, request) =>
        createKey(state, vault, request),
      ),
      route('POST', new RegExp(`^/keys/${name}/rotate/?$`, 'i'), 'keyvault.rotateKey', 'write', (vault, request) =>
        rotateKey(state, vault, request),
      ),
      route('GET', new RegExp(`^/keys/${name}(?:/([^/]*))?$`, 'i'), 'keyvault.getKey', 'read', getKey),
      route('PATCH', new RegExp(`^/keys/${name}(?:/([^/]*))?$`, 'i'), 'keyvault.updateKey', 'write', (vault, request) =>
        updateKey(state, vault, request),
      ),
      route('DELETE', new RegExp(`^/keys/${name}/?$`, 'i'), 'keyvault.deleteKey', 'write', (vault, request) =>
        deleteKey(state, vault, request),
      ),
      route('GET', new RegExp(`^/deletedkeys/${name}/?$`, 'i'), 'keyvault.getDeletedKey', 'read', getDeletedKey),
      route(
        'POST',
        new RegExp(`^/deletedkeys/${name}/recover/?$`, 'i'),
        'keyvault.recoverDeletedKey',
        'write',
        (vault, request) => recoverDeletedKey(state, vault, request),
      ),
    ],
    unauthenticated: () =>
      errorReply(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${state.tenantId}", resource="${audience(state.vault(vaultName))}"`,
      }),
    fault: (status) => {
      const vault = state.vault(vaultName);
      return status === 403 && vault ? forbidden(state, vault) : keyVaultError(status);
    },
    apiVersion: keyVaultApiVersionRefusal,
    unknownRoute: () => errorReply(400, 'BadParameter', 'The request URI is not valid for this Key Vault API.'),
  };
}

type Handler = (vault: VaultState, request: DoubleRequest) => Reply;

function listKeys(context: VaultContext, vault: VaultState, request: DoubleRequest): Reply {
  const items = [...vault.keys.values()].map((key) => keyItem(vault, key, currentVersion(key), false));
  return { status: 200, body: paginate(items, request, listPageSize(context, request), '$skiptoken') };
}

function listKeyVersions(context: VaultContext, vault: VaultState, request: DoubleRequest): Reply {
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  // Key Vault lists versions in the order of their ids, not by creation time.
  const versions = [...key.versions].sort((a, b) => a.id.localeCompare(b.id));
  const items = versions.map((version) => keyItem(vault, key, version, true));
  return { status: 200, body: paginate(items, request, listPageSize(context, request), '$skiptoken') };
}

function getKey(vault: VaultState, request: DoubleRequest): Reply {
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  const version = findVersion(key, request.params[1]);
  if (!version) return keyNotFound(`${key.name}/${request.params[1] ?? ''}`);
  return { status: 200, body: keyBundle(vault, key, version) };
}

function updateKey(state: DoubleState, vault: VaultState, request: DoubleRequest): Reply {
  const body = updateKeyBody.safeParse(request.body ?? {});
  if (!body.success) return badParameter(body.error);
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  const version = findVersion(key, request.params[1]);
  if (!version) return keyNotFound(`${key.name}/${request.params[1] ?? ''}`);
  const { attributes, key_ops: keyOps, tags } = body.data;
  state.updateKeyVersion(vault.name, key.name, version.id, {
    ...(attributes?.enabled !== undefined && { enabled: attributes.enabled }),
    ...(attributes?.nbf !== undefined && { notBefore: attributes.nbf === null ? null : fromSeconds(attributes.nbf) }),
    ...(attributes?.exp !== undefined && { expiresOn: attributes.exp === null ? null : fromSeconds(attributes.exp) }),
    ...(keyOps && { keyOps }),
    ...(tags && { tags }),
  });
  return { status: 200, body: keyBundle(vault, key, version) };
}

function createKey(state: DoubleState, vault: VaultState, request: DoubleRequest): Reply {
  const body = createKeyBody.safeParse(request.body ?? {});
  if (!body.success) return badParameter(body.error);
  const keyName = request.params[0] ?? '';
  if (vault.deletedKeys.has(keyName.toLowerCase())) return deletedKeyConflict(keyName);
  const { kty, key_size: keySize, crv, key_ops: keyOps, attributes, tags } = body.data;
  const version = state.createKeyVersion(vault.name, keyName, {
    kty,
    ...(kty.startsWith('EC')
      ? { size: Number((crv ?? 'P-256').slice(2)) }
      : keySize !== undefined && { size: keySize }),
    ...(keyOps && { keyOps }),
    ...(attributes?.enabled !== undefined && { enabled: attributes.enabled }),
    ...(attributes?.nbf != null && { notBefore: fromSeconds(attributes.nbf) }),
    ...(attributes?.exp != null && { expiresOn: fromSeconds(attributes.exp) }),
    ...(tags && { tags }),
  });
  return { status: 200, body: keyBundle(vault, state.requireKey(vault.name, keyName), version) };
}

function rotateKey(state: DoubleState, vault: VaultState, request: DoubleRequest): Reply {
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  const version = state.createKeyVersion(vault.name, key.name);
  return { status: 200, body: keyBundle(vault, key, version) };
}

function deleteKey(state: DoubleState, vault: VaultState, request: DoubleRequest): Reply {
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  const deleted = state.deleteKey(vault.name, key.name);
  return {
    status: 200,
    body: {
      ...keyBundle(vault, key, currentVersion(key)),
      ...(vault.softDelete && {
        recoveryId: `${vault.uri}deletedkeys/${key.name}`,
        deletedDate: seconds(deleted.deletedOn),
        scheduledPurgeDate: seconds(deleted.scheduledPurgeOn),
      }),
    },
  };
}

function getDeletedKey(vault: VaultState, request: DoubleRequest): Reply {
  const keyName = request.params[0] ?? '';
  const deleted = vault.deletedKeys.get(keyName.toLowerCase());
  if (!deleted) return errorReply(404, 'KeyNotFound', `Deleted Key not found: ${keyName}`);
  return {
    status: 200,
    body: {
      ...keyBundle(vault, deleted.key, currentVersion(deleted.key)),
      recoveryId: `${vault.uri}deletedkeys/${deleted.key.name}`,
      deletedDate: seconds(deleted.deletedOn),
      scheduledPurgeDate: seconds(deleted.scheduledPurgeOn),
    },
  };
}

/**
 * RecoverDeletedKey: `POST /deletedkeys/{key-name}/recover` answers 200 with the key bundle of its latest version, and
 * "an attempt to recover a non-deleted key will return an error" (@azure/keyvault-keys 4.10.2, api/operations.js
 * `_recoverDeletedKeySend`, `_recoverDeletedKeyDeserialize`: expected status 200, KeyBundle).
 */
function recoverDeletedKey(state: DoubleState, vault: VaultState, request: DoubleRequest): Reply {
  const keyName = request.params[0] ?? '';
  const key = state.recoverKey(vault.name, keyName);
  if (!key) return errorReply(404, 'KeyNotFound', `Deleted Key not found: ${keyName}`);
  return { status: 200, body: keyBundle(vault, key, currentVersion(key)) };
}

/**
 * A key that never had a rotation policy still answers 200, with no id and both members null, as a live recording
 * shows: Azure/azure-sdk-for-js sdk/keyvault/keyvault-keys/recordings/node/
 * keys_client__create_read_update_and_delete_operations_key_rotation/
 * recording_getkeyrotationpolicy_returns_undefined_if_there_is_no_rotation_policy.js (service 1.9.48).
 */
function getRotationPolicy(vault: VaultState, request: DoubleRequest): Reply {
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  if (!key.rotationPolicy) return { status: 200, body: { lifetimeActions: null, attributes: null } };
  return { status: 200, body: rotationPolicy(vault, key, key.rotationPolicy) };
}

function updateRotationPolicy(state: DoubleState, vault: VaultState, request: DoubleRequest): Reply {
  const body = rotationPolicyBody.safeParse(request.body ?? {});
  if (!body.success) return badParameter(body.error);
  const key = findKey(vault, request);
  if (!key) return keyNotFound(request.params[0] ?? '');
  const actions = body.data.lifetimeActions ?? [];
  const notifies = actions.some((action) => action.action.type.toLowerCase() === 'notify');
  const policy = state.setRotationPolicy(vault.name, key.name, {
    expiryTime: body.data.attributes?.expiryTime ?? null,
    lifetimeActions: notifies ? actions : [...actions, defaultNotifyAction],
  });
  return { status: 200, body: rotationPolicy(vault, key, policy) };
}

function rotationPolicy(vault: VaultState, key: KeyState, policy: RotationPolicyState): object {
  return {
    id: `${vault.uri}keys/${key.name}/rotationpolicy`,
    lifetimeActions: policy.lifetimeActions,
    attributes: {
      ...(policy.expiryTime && { expiryTime: policy.expiryTime }),
      created: seconds(policy.createdOn),
      updated: seconds(policy.updatedOn),
    },
  };
}

function keyBundle(vault: VaultState, key: KeyState, version: KeyVersionState): object {
  const { kty: _materialType, ...material } = version.material;
  return {
    key: { kid: `${vault.uri}keys/${key.name}/${version.id}`, kty: key.kty, key_ops: version.keyOps, ...material },
    attributes: attributes(vault, version),
    ...(Object.keys(version.tags).length > 0 && { tags: version.tags }),
  };
}

function keyItem(vault: VaultState, key: KeyState, version: KeyVersionState, versioned: boolean): object {
  return {
    kid: `${vault.uri}keys/${key.name}${versioned ? `/${version.id}` : ''}`,
    attributes: attributes(vault, version),
    ...(Object.keys(version.tags).length > 0 && { tags: version.tags }),
  };
}

/**
 * `recoveryLevel` and `recoverableDays` as Key Vault derives them from the vault (DeletionRecoveryLevel, documented on
 * KnownDeletionRecoveryLevel in @azure/keyvault-keys): `Purgeable` without soft delete; `Recoverable` with purge
 * protection, `+Purgeable` without; `CustomizedRecoverable…` "when 7 <= SoftDeleteRetentionInDays < 90", as the live
 * recording of a 7-day vault shows (azure-sdk-for-js keyvault-keys
 * recording_getkeyrotationpolicy_returns_undefined_if_there_is_no_rotation_policy.js: "CustomizedRecoverable+Purgeable",
 * recoverableDays 7; Azure/azure-rest-api-specs .../2025-07-01/GetKey-example.json: "Recoverable+Purgeable").
 */
function attributes(vault: VaultState, version: KeyVersionState): object {
  return {
    ...versionAttributes(vault, version),
    ...(vault.softDelete && { recoverableDays: vault.softDeleteRetentionDays }),
  };
}

/** The attributes the data plane and Resource Manager both report for a key version (ARM has no recoverableDays). */
export function versionAttributes(vault: VaultState, version: KeyVersionState): object {
  const level = vault.softDeleteRetentionDays < 90 ? 'CustomizedRecoverable' : 'Recoverable';
  return {
    enabled: version.enabled,
    ...(version.notBefore && { nbf: seconds(version.notBefore) }),
    ...(version.expiresOn && { exp: seconds(version.expiresOn) }),
    created: seconds(version.createdOn),
    updated: seconds(version.updatedOn),
    recoveryLevel: !vault.softDelete ? 'Purgeable' : vault.purgeProtection ? level : `${level}+Purgeable`,
  };
}

function findKey(vault: VaultState, request: DoubleRequest): KeyState | undefined {
  return vault.keys.get((request.params[0] ?? '').toLowerCase());
}

/** An empty or absent version means the current one. */
function findVersion(key: KeyState, version: string | undefined): KeyVersionState | undefined {
  if (!version) return currentVersion(key);
  return key.versions.find((candidate) => candidate.id === version.toLowerCase());
}

export function currentVersion(key: KeyState): KeyVersionState {
  const version = key.versions.at(-1);
  if (!version) throw new Error(`Key ${key.name} has no versions`);
  return version;
}

function listPageSize(context: VaultContext, request: DoubleRequest): number {
  const maxResults = Number(request.query.get('maxresults'));
  return Number.isInteger(maxResults) && maxResults > 0 ? Math.min(maxResults, context.pageSize) : context.pageSize;
}

function keyNotFound(nameOrId: string): Reply {
  return errorReply(
    404,
    'KeyNotFound',
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. ${helpLink}`,
  );
}

function deletedKeyConflict(keyName: string): Reply {
  return errorReply(
    409,
    'Conflict',
    `Key ${keyName} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
  );
}

function badParameter(error: z.ZodError): Reply {
  const issue = error.issues[0];
  return errorReply(
    400,
    'BadParameter',
    `Property ${issue?.path.join('.') ?? ''} has invalid value: ${issue?.message ?? ''}`,
  );
}

/**
 * The firewall in front of the data plane. Every caller of the double stands where the monitor does: on the public
 * internet, outside any virtual network and not a trusted Microsoft service (a Function app is none), so the
 * trusted-services bypass does not let it through. Key Vault's answers, after authentication: a firewall that
 * denies by default, "Client address is not authorized and caller is not a trusted service." with innererror
 * ForbiddenByFirewall (hashicorp/terraform-provider-azurerm#20742, quoting the service); public access disabled,
 * innererror ForbiddenByConnection ("Public network access is disabled and request is not from a trusted service
 * nor via an approved private link.", learn.microsoft.com/azure/key-vault/general/troubleshooting-access-issues).
 */
function firewallRefusal(state: DoubleState, vault: VaultState): Reply | null {
  const closed = vault.publicNetworkAccess === 'Disabled';
  const admitted =
    vault.networkDefaultAction === 'Allow' ||
    vault.ipRules.some((rule) => rule === '127.0.0.1' || rule === '127.0.0.1/32');
  if (!closed && admitted) return null;
  const caller = `Caller: appid=${monitorIdentity.clientId};oid=${monitorIdentity.principalId};iss=https://sts.windows.net/${state.tenantId}/`;
  const where = `Vault: ${vault.name};location=${vault.location}`;
  const message = closed
    ? [
        'Public network access is disabled and request is not from a trusted service nor via an approved private link.',
        caller,
        where,
      ]
    : [
        'Client address is not authorized and caller is not a trusted service.',
        'Client address: 127.0.0.1',
        caller,
        where,
      ];
  return {
    status: 403,
    body: {
      error: {
        code: 'Forbidden',
        message: message.join('\r\n'),
        innererror: { code: closed ? 'ForbiddenByConnection' : 'ForbiddenByFirewall' },
      },
    },
  };
}

/**
 * The resource a token for this data plane is asked for, as its 401 challenge names it: Key Vault's, or Managed HSM's
 * (`resource="https://managedhsm.azure.net"` in the live Managed HSM recordings of Azure/azure-sdk-for-js sdk/keyvault).
 */
function audience(vault: VaultState | undefined): string {
  return vault?.type === 'managedHsm' ? 'https://managedhsm.azure.net' : 'https://vault.azure.net';
}

/**
 * Key Vault's 403, worded for the vault's permission model. A Managed HSM's local RBAC refuses with AccessDenied,
 * "Not authorized to access <data action> on <scope> (Activity ID: …)", as Azure/azure-cli#32719 quotes the service.
 */
function forbidden(state: DoubleState, vault: VaultState, request?: DoubleRequest): Reply {
  if (vault.type === 'managedHsm') {
    const scope = request ? `/keys/${request.params[0] ?? ''}` : '/keys';
    return errorReply(
      403,
      'AccessDenied',
      `Not authorized to access Microsoft.KeyVault/managedHsm/keys/read/action on ${scope} (Activity ID: ${randomUUID()})`,
    );
  }
  const caller = `appid=${monitorIdentity.clientId};oid=${monitorIdentity.principalId}`;
  const resource = `${state.vaultId(vault)}${request ? `/keys/${request.params[0] ?? ''}` : ''}`.toLowerCase();
  const message = vault.rbac
    ? [
        'Caller is not authorized to perform action on resource.',
        'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.',
        `Caller: ${caller}`,
        "Action: 'Microsoft.KeyVault/vaults/keys/read'",
        `Resource: '${resource}'`,
        'Assignment: (not found)',
        "DecisionReason: 'DeniedWithNoValidRBAC'",
        `Vault: ${vault.name};location=${vault.location}`,
        '',
      ].join('\r\n')
    : `The user, group or application '${caller};iss=https://sts.windows.net/${state.tenantId}/' does not have keys get permission ` +
      `on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`;
  return {
    status: 403,
    body: {
      error: { code: 'Forbidden', message, innererror: { code: vault.rbac ? 'ForbiddenByRbac' : 'AccessDenied' } },
    },
  };
}

const faultCodes: Record<number, [string, string]> = {
  400: ['BadParameter', 'The request body is not valid JSON.'],
  401: ['Unauthorized', 'AKV10032: Invalid issuer.'],
  404: ['KeyNotFound', `The key was not found in this key vault. ${helpLink}`],
  409: ['Conflict', 'There was a conflict with the current state of the resource.'],
  429: [
    'Throttled',
    'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
  ],
  500: ['InternalServerError', 'An internal server error occurred.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
};

function keyVaultError(status: number): Reply {
  const [code, message] = faultCodes[status] ?? ['Error', `Injected failure (${status}).`];
  return errorReply(status, code, message);
}
