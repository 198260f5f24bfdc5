/** The CMK chain as the monitor sees it: vault → key (versions) ← policy (identity) → environment. Pure data. */
import type { RefusalStreak } from './refusals.js';
import type { VaultType } from './resourceIds.js';
import type { RuleId } from './ruleIds.js';

export const severities = ['info', 'warning', 'critical', 'outage'] as const;
export type Severity = (typeof severities)[number];

export const statuses = ['healthy', 'warning', 'critical', 'outage', 'unknown'] as const;
export type Status = (typeof statuses)[number];

/**
 * How bad a status is, worst highest. `unknown` (the monitor cannot see part of the chain, which may already be down)
 * ranks above `warning`, below `critical`.
 */
export const statusRank: Record<Status, number> = { healthy: 0, warning: 1, unknown: 2, critical: 3, outage: 4 };

export type { RuleId, VaultType };

export interface Finding {
  rule: RuleId;
  severity: Severity;
  message: string;
  /** When the finding takes (or took) the environment down, or the deadline to act; ISO 8601 or null. */
  dueAt: string | null;
}

export interface Vault {
  /** ARM resource id, as the policy references it. */
  id: string;
  name: string;
  type: VaultType;
  /** Data-plane URI from ARM, e.g. https://contoso.vault.azure.net/ or https://contoso.managedhsm.azure.net/ */
  uri: string;
  softDelete: boolean;
  purgeProtection: boolean;
  /** Azure RBAC (Key Vault only); false for access policies, and for a Managed HSM, whose local RBAC ARM does not serve. */
  rbac: boolean;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  networkDefaultAction: 'Allow' | 'Deny';
  trustedServicesBypass: boolean;
  accessPolicies: AccessPolicy[];
}

export interface AccessPolicy {
  objectId: string;
  /** Key permissions as ARM returns them (any case): get, wrapKey, unwrapKey, all, … */
  keys: string[];
}

export interface KeyVersion {
  version: string;
  enabled: boolean;
  createdOn: Date | null;
  updatedOn: Date | null;
  expiresOn: Date | null;
  notBefore: Date | null;
}

export interface Key {
  vaultName: string;
  name: string;
  /** JWK key type: RSA, RSA-HSM, EC, … */
  kty: string;
  /** RSA modulus size in bits; null for non-RSA keys. */
  size: number | null;
  /** Every version Key Vault lists, in any order. */
  versions: KeyVersion[];
  /** The version the policy uses: the pinned one, else the newest. */
  currentVersion: string;
  /** True when the key has a rotation policy with an expiry or lifetime actions (so Key Vault emits NearExpiry). */
  hasRotationPolicy: boolean;
}

/** A role assignment of the policy identity, with the data actions of its role definition resolved. */
export interface RoleGrant {
  roleDefinitionId: string;
  scope: string;
  dataActions: string[];
  notDataActions: string[];
}

export interface Policy {
  /** ARM resource id of the enterprise policy. */
  id: string;
  name: string;
  location: string;
  vaultId: string;
  keyName: string;
  /** Pinned key version, when the policy names one. */
  keyVersion: string | null;
  principalId: string;
  /** Who gets this policy's alerts instead of the admins by duty (the policy's `cmk-monitor-alert-to` tag). */
  alertTo?: string[];
  /** Microsoft's verdict on the policy as ARM reports it (Undetermined, Healthy, Warning, Unhealthy); absent when not reported. */
  healthStatus?: string;
}

export interface Environment {
  id: string;
  displayName: string;
  /** Power Platform geography, e.g. unitedstates, europe. */
  location: string;
  sku: string;
  managed: boolean;
  /** ARM id of the linked encryption policy, or null when not linked. */
  policyId: string | null;
  /**
   * The link's status as the admin API reports it (Linked, Linking, LinkingOnline, Unlinking, UnlinkingOnline,
   * Failed, or a value the monitor does not know); null when not linked or not reported (a link then counts as Linked).
   */
  linkStatus: string | null;
  /**
   * Whether Power Platform runs the environment, as the admin API reports it (Enabled, Disabled, AdminMode, Warning, or a
   * value the monitor does not know); absent when not reported, which says neither enabled nor disabled.
   */
  runtimeState?: string;
  /** The environment's page in the Power Platform admin center, as the admin API gives it; absent when not given. */
  adminUrl?: string;
}

/** A reading of one part of the chain: the value, proof that it does not exist, or blindness. */
export type Readout<T> =
  | { kind: 'found'; value: T }
  | { kind: 'missing'; detail: string }
  | { kind: 'blind'; detail: string; retryable?: boolean };

/** Everything the rules need to evaluate one policy's chain. */
export interface Chain {
  policy: Policy;
  vault: Readout<Vault>;
  key: Readout<Key>;
  /** The policy identity's role assignments at, above or below the vault (a Key Vault's, whichever its permission model). */
  grants: Readout<RoleGrant[]>;
  /** Whether the vault's events reach the monitor ('timer-only': a Managed HSM, which publishes none); absent when not read. */
  events?: 'covered' | 'not-covered' | 'timer-only' | 'unknown';
  /** Refused uses of the key by the policy's identity, as Key Vault's audit records told them; absent when not read. */
  refusals?: RefusalStreak[];
}

/** An environment removed from a policy: the chain it left, evaluated for restores. */
export interface Unlink {
  chain: Chain;
  unlinkedAt: Date;
}

export interface Evaluation {
  status: Status;
  findings: Finding[];
  /** Earliest predicted (or actual) outage, ISO 8601; null when none is predicted or its time is unknown. */
  outageAt: string | null;
}

/** How many of `items` have each status; every status is there, 0 when none has it. */
export function countByStatus(items: Iterable<{ status: Status }>): Record<Status, number> {
  const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<Status, number>;
  for (const { status } of items) if (status in counts) counts[status]++;
  return counts;
}
