/**
 * The benchmark tenant, as the Azure double's scenario JSON (see sandbox/scenario.ts): by default 10 vaults of 10
 * RSA-2048 keys (2 versions each), one enterprise policy per key with its own identity, 20 environments per policy.
 * Everything is derived from counters, so every run serves the same ids.
 */

/** How large the tenant is: 50 vaults of 20 keys make the 20,000 environments of a large tenant. */
export interface TenantSize {
  vaults: number;
  keysPerVault: number;
}

export const defaultSize: TenantSize = { vaults: 10, keysPerVault: 10 };
export const environmentsPerPolicy = 20;

/** Key Vault Crypto Service Encryption User. */
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';

/** Policy index (vault × 10 + key) → days until its key's current version expires: a few inside the 30-day warning. */
const expiringKeys = new Map([
  [7, 20],
  [33, 12],
  [58, 5], // within 7 days: critical
]);
/** Policy index whose key's current version is disabled. */
const disabledKey = 71;
/** Policy indexes whose identity holds no role on the vault. */
const ungranted = new Set([45, 86]);
/** Policy indexes whose key has no rotation policy (expiry set, so no finding). */
const withoutRotationPolicy = new Set([20, 64]);

const locations = [
  'unitedstates',
  'europe',
  'uk',
  'canada',
  'australia',
  'japan',
  'india',
  'france',
  'germany',
  'switzerland',
] as const;

/** A deterministic GUID: `prefix` (8 hex digits) names the kind of thing, `n` counts it. */
const guid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const principalId = (policy: number) => guid('b0000000', policy + 1);
export const environmentId = (policy: number, index: number) =>
  guid('e0000000', policy * environmentsPerPolicy + index + 1);

const vaultName = (v: number) => `kv-bench-${String(v).padStart(2, '0')}`;
const keyName = (k: number) => `cmk-${String(k).padStart(2, '0')}`;
const policyName = (n: number) => `cmk-policy-${String(n).padStart(3, '0')}`;

function key(n: number, k: number) {
  const expiring = expiringKeys.get(n);
  // Rotated between 30 and 329 days ago onto a one-year version; the previous one ran out about when it was replaced.
  const rotatedDaysAgo = expiring === undefined ? 30 + ((n * 37) % 300) : 365 - expiring;
  return {
    name: keyName(k),
    kty: 'RSA',
    size: 2048,
    versions: [
      { enabled: true, createdDaysAgo: rotatedDaysAgo + 365, expiresInDays: -rotatedDaysAgo + 5 },
      { enabled: n !== disabledKey, createdDaysAgo: rotatedDaysAgo, expiresInDays: 365 - rotatedDaysAgo },
    ],
    ...(withoutRotationPolicy.has(n) ? {} : { rotationPolicy: { expiresAfter: 'P1Y', notifyBefore: 'P30D' } }),
  };
}

/** Per policy: 17 Production and 2 Sandbox Managed Environments, 1 Production environment that is not managed. */
function environment(n: number, index: number, size: TenantSize) {
  const sku = index === 17 || index === 18 ? 'Sandbox' : 'Production';
  return {
    id: environmentId(n, index),
    displayName: `Bench ${String(n).padStart(3, '0')}-${String(index).padStart(2, '0')} (${sku.toLowerCase()})`,
    location: locationOf(Math.floor(n / size.keysPerVault)),
    sku,
    managed: index !== 19,
    policy: policyName(n),
  };
}

const locationOf = (vault: number) => locations[vault % locations.length] ?? 'unitedstates';

export function benchScenario(size: TenantSize = defaultSize) {
  const { keysPerVault } = size;
  const vaults = Array.from({ length: size.vaults }, (_, v) => {
    const policies = Array.from({ length: keysPerVault }, (_, k) => v * keysPerVault + k);
    return {
      name: vaultName(v),
      resourceGroup: `rg-cmk-${locationOf(v)}`,
      softDelete: true,
      purgeProtection: true,
      rbac: true,
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
      roleAssignments: policies
        .filter((n) => !ungranted.has(n))
        .map((n) => ({ principalId: principalId(n), roleDefinitionId: cryptoServiceEncryptionUser, scope: 'vault' })),
      keys: policies.map((n, k) => key(n, k)),
    };
  });
  const policyIndexes = Array.from({ length: size.vaults * keysPerVault }, (_, n) => n);
  return {
    subscriptionId: '5e7c0b1a-3d2f-4a68-9b15-c0ffee0be9c4',
    vaults,
    policies: policyIndexes.map((n) => {
      const v = Math.floor(n / keysPerVault);
      return {
        name: policyName(n),
        resourceGroup: `rg-cmk-${locationOf(v)}`,
        location: locationOf(v),
        vault: vaultName(v),
        key: keyName(n % keysPerVault),
        principalId: principalId(n),
      };
    }),
    environments: policyIndexes.flatMap((n) =>
      Array.from({ length: environmentsPerPolicy }, (_, index) => environment(n, index, size)),
    ),
  };
}

/**
 * What a correct scan of this tenant finds, per status (each policy's 20 environments share its chain's findings). A
 * tenant of fewer than 87 policies lacks some of the broken and expiring chains.
 */
export function expectedStatuses(size: TenantSize = defaultSize) {
  const policies = size.vaults * size.keysPerVault;
  const broken = [disabledKey, ...ungranted].filter((n) => n < policies);
  const expiring = [...expiringKeys].filter(([n]) => n < policies).map(([, days]) => days);
  const critical = expiring.filter((days) => days <= 7).length;
  const warningKeys = expiring.length - critical;
  // Outage: every environment of a broken chain. Critical / warning: the expiring keys' environments.
  // The one unmanaged environment of every other policy warns (environment-not-eligible).
  const outage = broken.length * environmentsPerPolicy;
  const criticalCount = critical * environmentsPerPolicy;
  const warningCount = warningKeys * environmentsPerPolicy + (policies - broken.length - expiring.length);
  const total = policies * environmentsPerPolicy;
  return {
    healthy: total - outage - criticalCount - warningCount,
    warning: warningCount,
    critical: criticalCount,
    outage,
    unknown: 0,
  };
}
