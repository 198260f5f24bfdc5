import type {
  Chain,
  Environment,
  Key,
  KeyVersion,
  Readout,
  RoleGrant,
  Policy,
  Unlink,
  Vault,
} from '../../../shared/domain/model.js';
import { defaultRuleOptions } from '../../../shared/domain/rules/rule.js';
import type { RuleContext } from '../../../shared/domain/rules/rule.js';

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const MS = 1;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const SUBSCRIPTION = '/subscriptions/00000000-0000-0000-0000-000000000001';
export const RESOURCE_GROUP = `${SUBSCRIPTION}/resourceGroups/rg-cmk`;
export const VAULT_ID = `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-contoso`;
export const KEY_NAME = 'cmk-key';
export const PRINCIPAL_ID = '11111111-2222-3333-4444-555555555555';

/** `NOW` moved by `offset` milliseconds. */
export function fromNow(offset: number): Date {
  return new Date(NOW.getTime() + offset);
}

export const wrapUnwrapRead = [
  'Microsoft.KeyVault/vaults/keys/read',
  'Microsoft.KeyVault/vaults/keys/wrap/action',
  'Microsoft.KeyVault/vaults/keys/unwrap/action',
];

/** A role assignment of the policy identity; by default Key Vault Crypto Service Encryption User at the vault. */
export function grantOf(overrides: Partial<RoleGrant> = {}): RoleGrant {
  return {
    roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
    scope: VAULT_ID,
    dataActions: wrapUnwrapRead,
    notDataActions: [],
    ...overrides,
  };
}

export function versionOf(overrides: Partial<KeyVersion> = {}): KeyVersion {
  return {
    version: 'v2',
    enabled: true,
    createdOn: fromNow(-60 * DAY),
    updatedOn: fromNow(-60 * DAY),
    expiresOn: fromNow(300 * DAY),
    notBefore: null,
    ...overrides,
  };
}

export const previousVersion = versionOf({
  version: 'v1',
  createdOn: fromNow(-400 * DAY),
  updatedOn: fromNow(-400 * DAY),
});

export function keyOf(overrides: Partial<Key> = {}, current: Partial<KeyVersion> = {}): Key {
  return {
    vaultName: 'kv-contoso',
    name: KEY_NAME,
    kty: 'RSA',
    size: 2048,
    versions: [previousVersion, versionOf(current)],
    currentVersion: 'v2',
    hasRotationPolicy: false,
    ...overrides,
  };
}

export function vaultOf(overrides: Partial<Vault> = {}): Vault {
  return {
    id: VAULT_ID,
    name: 'kv-contoso',
    type: 'vault',
    uri: 'https://kv-contoso.vault.azure.net/',
    softDelete: true,
    purgeProtection: true,
    rbac: true,
    publicNetworkAccess: 'Enabled',
    networkDefaultAction: 'Allow',
    trustedServicesBypass: true,
    accessPolicies: [],
    ...overrides,
  };
}

export function policyOf(overrides: Partial<Policy> = {}): Policy {
  return {
    id: `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-contoso`,
    name: 'ep-contoso',
    location: 'europe',
    vaultId: VAULT_ID,
    keyName: KEY_NAME,
    keyVersion: null,
    principalId: PRINCIPAL_ID,
    ...overrides,
  };
}

export function environmentOf(overrides: Partial<Environment> = {}): Environment {
  return {
    id: 'env-1',
    displayName: 'Contoso Production',
    location: 'europe',
    sku: 'Production',
    managed: true,
    policyId: policyOf().id,
    linkStatus: 'Linked',
    ...overrides,
  };
}

export const missing = <T>(detail = 'NotFound (404)'): Readout<T> => ({ kind: 'missing', detail });
export const blind = <T>(detail = 'Forbidden (403)'): Readout<T> => ({ kind: 'blind', detail });

interface ChainOverrides {
  policy?: Partial<Policy>;
  vault?: Partial<Vault> | Readout<Vault>;
  key?: Partial<Key> | Readout<Key>;
  /** Fields of the current version (v2) of the default key. */
  current?: Partial<KeyVersion>;
  grants?: RoleGrant[] | Readout<RoleGrant[]>;
}

/** A healthy chain (RBAC vault, RSA 2048 key rotated 60 days ago, expiring in 300 days), with overrides. */
export function chainOf(overrides: ChainOverrides = {}): Chain {
  return {
    policy: policyOf(overrides.policy),
    vault: readoutOf(overrides.vault, vaultOf),
    key: readoutOf(overrides.key, (key) => keyOf(key, overrides.current)),
    grants: Array.isArray(overrides.grants) ? found(overrides.grants) : (overrides.grants ?? found([grantOf()])),
  };
}

export function ctxOf(chain: Chain = chainOf(), overrides: Partial<Omit<RuleContext, 'chain'>> = {}): RuleContext {
  return { environment: environmentOf(), chain, now: NOW, options: defaultRuleOptions, ...overrides };
}

export function unlinkOf(chain: Chain, unlinkedAt: Date): Unlink {
  return { chain, unlinkedAt };
}

function found<T>(value: T): Readout<T> {
  return { kind: 'found', value };
}

function readoutOf<T extends object>(
  override: Partial<T> | Readout<T> | undefined,
  build: (o: Partial<T>) => T,
): Readout<T> {
  if (override && 'kind' in override) return override;
  return found(build((override ?? {}) as Partial<T>));
}
