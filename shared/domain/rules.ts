import type {
  AccessPolicy,
  Chain,
  Environment,
  Finding,
  Key,
  KeyVersion,
  Readout,
  RoleGrant,
  RuleId,
  Severity,
  Unlink,
  Vault,
} from './model.js';
import type { RefusalStreak } from './refusals.js';
import { dayMs } from './days.js';
import { nameOf } from './resourceIds.js';
import { unlinkWindowDays } from './links.js';

export interface RuleOptions {
  /** key-expiring fires when the current version expires within this many days. */
  expiringWithinDays: number;
  /** key-expiring is critical (not warning) within this many days. */
  criticalWithinDays: number;
  /** key-access-failing holds until a policy identity's calls have not been refused for this many minutes. */
  refusalQuietMinutes: number;
}

export const defaultRuleOptions: RuleOptions = { expiringWithinDays: 30, criticalWithinDays: 7, refusalQuietMinutes: 30 };

export interface RuleContext {
  environment: Environment;
  chain: Chain;
  now: Date;
  options: RuleOptions;
  /** When the monitor first saw the environment's current link status; absent or null when unknown. */
  linkStatusSince?: Date | null;
}

export type ChainRule = (ctx: RuleContext) => Finding | null;

export interface UnlinkContext {
  environment: Environment;
  unlink: Unlink;
  now: Date;
  options: RuleOptions;
}

/** The previous key version must stay enabled this long after a rotation. */
const ROTATION_OVERLAP_DAYS = 28;

/** Applying or removing an enterprise policy can take up to this long. */
const LINK_APPLY_DAYS = 4;
const PENDING_LINK_STATUSES = ['linking', 'linkingonline', 'unlinking', 'unlinkingonline'];

const SUPPORTED_KEY_TYPES = ['rsa', 'rsa-hsm'];
const SUPPORTED_KEY_SIZES = [2048, 3072];
const INELIGIBLE_SKUS = ['trial', 'teams'];

const REQUIRED_DATA_ACTIONS = [
  'Microsoft.KeyVault/vaults/keys/read',
  'Microsoft.KeyVault/vaults/keys/wrap/action',
  'Microsoft.KeyVault/vaults/keys/unwrap/action',
];
const REQUIRED_KEY_PERMISSIONS = ['get', 'wrapKey', 'unwrapKey'];

/** Old-chain findings that make restores of an unlinked environment fail. */
const RESTORE_BREAKERS: readonly RuleId[] = ['key-missing', 'key-disabled', 'key-expired', 'access-revoked'];

/**
 * Power Platform's own calls under the policy identity are being refused: observed, not predicted. It holds until
 * the quiet period has passed with no refusal and the monitor has read the chain itself.
 */
export function keyAccessFailing({ chain, now, options }: RuleContext): Finding | null {
  const streak = chain.refusals?.reduce<RefusalStreak | null>((last, s) => (!last || s.lastAt > last.lastAt ? s : last), null);
  if (!streak) return null;
  const quietSince = Date.parse(streak.lastAt) + options.refusalQuietMinutes * 60_000;
  const readBack = [chain.vault, chain.key, chain.grants].every((read) => read.kind === 'found');
  if (now.getTime() >= quietSince && readBack) return null;
  const key = streak.keyName ? `key '${streak.keyName}'` : 'its key';
  // To the minute: a finding that changed with every refused call would rewrite the status with every batch.
  const last = `${streak.lastAt.slice(0, 16)}Z`;
  const since = last === `${streak.firstAt.slice(0, 16)}Z` ? '' : `, refused since ${streak.firstAt}`;
  return finding(
    'key-access-failing',
    'outage',
    `Vault '${streak.vaultName}' refuses ${key} to enterprise policy '${chain.policy.name}': ${streak.operation} answered ` +
      `${streak.status} at ${last}${since}. Power Platform cannot use the key, so the environments are going offline now.`,
    new Date(streak.firstAt),
  );
}

export function keyExpired({ chain, now }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const expiresOn = current?.version.expiresOn;
  if (!current || !expiresOn || expiresOn.getTime() > now.getTime()) return null;
  return finding('key-expired', 'outage', `${labelOf(current)} expired on ${iso(expiresOn)}.`, expiresOn);
}

export function keyExpiring({ chain, now, options }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const expiresOn = current?.version.expiresOn;
  if (!current || !expiresOn) return null;
  const remaining = expiresOn.getTime() - now.getTime();
  if (remaining <= 0 || remaining > days(options.expiringWithinDays)) return null;
  const severity = remaining <= days(options.criticalWithinDays) ? 'critical' : 'warning';
  return finding('key-expiring', severity, `${labelOf(current)} expires on ${iso(expiresOn)}.`, expiresOn);
}

export function keyDisabled({ chain }: RuleContext): Finding | null {
  const current = currentOf(chain);
  if (!current || current.version.enabled) return null;
  return finding('key-disabled', 'outage', `${labelOf(current)} is disabled.`, current.version.updatedOn);
}

export function keyMissing({ chain }: RuleContext): Finding | null {
  const message = missingLinkOf(chain);
  return message ? finding('key-missing', 'outage', message) : null;
}

export function keyNotYetValid({ chain, now }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const notBefore = current?.version.notBefore;
  if (!current || !notBefore || notBefore.getTime() <= now.getTime()) return null;
  return finding('key-not-yet-valid', 'outage', `${labelOf(current)} is not valid before ${iso(notBefore)}.`);
}

export function keyTypeUnsupported({ chain }: RuleContext): Finding | null {
  const key = valueOf(chain.key);
  if (!key || isSupportedKeyType(key)) return null;
  const size = key.size === null ? '' : ` ${key.size}-bit`;
  return finding(
    'key-type-unsupported',
    'critical',
    `Key '${key.name}' in vault '${key.vaultName}' is ${key.kty}${size}; CMK needs an RSA or RSA-HSM key of 2048 or 3072 bits.`,
  );
}

export function vaultRecoveryOff({ chain }: RuleContext): Finding | null {
  const vault = valueOf(chain.vault);
  if (!vault) return null;
  const off = [...(vault.softDelete ? [] : ['soft delete']), ...(vault.purgeProtection ? [] : ['purge protection'])];
  if (!off.length) return null;
  return finding(
    'vault-recovery-off',
    'critical',
    `${vaultLabel(vault)} has ${off.join(' and ')} off; key '${chain.policy.keyName}' is not protected against permanent deletion.`,
  );
}

export function accessRevoked({ chain }: RuleContext): Finding | null {
  const vault = valueOf(chain.vault);
  // A Managed HSM grants access through its local RBAC, which Resource Manager does not serve: not judged here.
  if (!vault || vault.type === 'managedHsm') return null;
  return vault.rbac ? rbacAccessRevoked(chain, vault) : accessPolicyRevoked(chain, vault);
}

export function previousVersionDisabledEarly({ chain, now }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const rotatedAt = current?.version.createdOn;
  if (!current || !rotatedAt) return null;
  const overlapEnds = addDays(rotatedAt, ROTATION_OVERLAP_DAYS);
  if (now.getTime() >= overlapEnds.getTime()) return null;
  const previous = previousVersionOf(current.key, rotatedAt);
  if (!previous || previous.enabled) return null;
  const { key, version } = current;
  return finding(
    'previous-version-disabled-early',
    'critical',
    `Key '${key.name}' in vault '${key.vaultName}' was rotated to version '${version.version}' on ${iso(rotatedAt)}, ` +
      `but previous version '${previous.version}' is disabled; it must stay enabled until ${iso(overlapEnds)}.`,
    overlapEnds,
  );
}

export function vaultNetworkBlocked({ chain }: RuleContext): Finding | null {
  const vault = valueOf(chain.vault);
  if (!vault || vault.trustedServicesBypass) return null;
  const closures = [
    ...(vault.publicNetworkAccess === 'Disabled' ? ['public network access disabled'] : []),
    ...(vault.networkDefaultAction === 'Deny' ? ['firewall default action Deny'] : []),
  ];
  if (!closures.length) return null;
  return finding(
    'vault-network-blocked',
    'outage',
    `${vaultLabel(vault)} has ${closures.join(' and ')} without the trusted Microsoft services bypass.`,
  );
}

export function regionMismatch({ chain, environment }: RuleContext): Finding | null {
  const { policy } = chain;
  if (sameText(policy.location, environment.location)) return null;
  return finding(
    'region-mismatch',
    'warning',
    `Policy '${policy.name}' is in ${policy.location} but environment '${environment.displayName}' is in ${environment.location}.`,
  );
}

export function environmentNotEligible({ environment }: RuleContext): Finding | null {
  const reasons = [
    ...(environment.managed ? [] : ['is not a Managed Environment']),
    ...(INELIGIBLE_SKUS.includes(environment.sku.toLowerCase()) ? [`is of type ${environment.sku}`] : []),
  ];
  if (!reasons.length) return null;
  return finding(
    'environment-not-eligible',
    'warning',
    `Environment '${environment.displayName}' ${reasons.join(' and ')}; the encryption policy is not enforced on it.`,
  );
}

export function keyNoExpiry({ chain }: RuleContext): Finding | null {
  const current = currentOf(chain);
  if (!current || current.version.expiresOn) return null;
  const rotation = current.key.hasRotationPolicy
    ? 'the key has a rotation policy.'
    : 'the key has no rotation policy either, so Key Vault emits no near-expiry events.';
  return finding('key-no-expiry', 'info', `${labelOf(current)} has no expiry date; ${rotation}`);
}

export function eventsNotWired({ chain }: RuleContext): Finding | null {
  if (chain.events !== 'not-covered') return null;
  const vault = nameOf(chain.policy.vaultId);
  return finding('events-not-wired', 'info', `No Event Grid subscription carries the events of vault ${vault} to the monitor: its changes are seen only at the next scan.`);
}

export function monitorBlind({ chain }: RuleContext): Finding | null {
  const unread = unreadPartsOf(chain);
  if (!unread.length) return null;
  return finding('monitor-blind', 'warning', `The monitor cannot read ${unread.join('; ')}.`);
}

export function policyUnhealthy({ chain }: RuleContext): Finding | null {
  const { name, healthStatus } = chain.policy;
  if (!healthStatus || /^(healthy|undetermined)$/i.test(healthStatus)) return null;
  if (/^unhealthy$/i.test(healthStatus)) {
    return finding(
      'policy-unhealthy',
      'outage',
      `Microsoft reports enterprise policy '${name}' Unhealthy: it has found the key unusable and shut down the environments the policy protects.`,
    );
  }
  const reported = /^warning$/i.test(healthStatus)
    ? 'in Warning health'
    : `with health status '${healthStatus}', which the monitor does not know and treats as not healthy`;
  return finding('policy-unhealthy', 'warning', `Microsoft reports enterprise policy '${name}' ${reported}.`);
}

export type LinkState = 'linked' | 'pending' | 'failed' | 'unrecognized';

/** A link without a reported status counts as Linked. */
export function linkStateOf(linkStatus: string | null): LinkState {
  if (linkStatus === null || /^linked$/i.test(linkStatus)) return 'linked';
  if (PENDING_LINK_STATUSES.includes(linkStatus.toLowerCase())) return 'pending';
  return /^failed$/i.test(linkStatus) ? 'failed' : 'unrecognized';
}

export function linkFailed(ctx: RuleContext): Finding | null {
  const { environment, chain } = ctx;
  const state = linkStateOf(environment.linkStatus);
  if (state !== 'failed' && state !== 'unrecognized') return null;
  const reported =
    state === 'failed'
      ? `Microsoft could not apply policy '${chain.policy.name}' to environment '${environment.displayName}' (link status Failed)`
      : `Environment '${environment.displayName}' reports link status '${environment.linkStatus}' for policy '${chain.policy.name}', ` +
        'which the monitor does not know and treats as not applied';
  const causes = findingsOf(keySideRules, ctx).filter((f) => f.severity !== 'info');
  const shown = causes.length ? ` The policy's chain shows: ${causes.map((f) => `[${f.rule}] ${f.message}`).join(' ')}` : '';
  return finding('link-failed', 'critical', `${reported}; the key does not protect the environment.${shown}`);
}

export function linkPending({ environment, chain, now, linkStatusSince }: RuleContext): Finding | null {
  if (linkStateOf(environment.linkStatus) !== 'pending') return null;
  const pending = `Environment '${environment.displayName}' is ${environment.linkStatus} on policy '${chain.policy.name}'`;
  const limit = `applying or removing a policy can take up to ${LINK_APPLY_DAYS} days`;
  if (!linkStatusSince) return finding('link-pending', 'info', `${pending}; ${limit}.`);
  const expectedBy = addDays(linkStatusSince, LINK_APPLY_DAYS);
  const since = `${pending}, a status first seen on ${iso(linkStatusSince)}`;
  if (now.getTime() < expectedBy.getTime()) return finding('link-pending', 'info', `${since}; ${limit}.`, expectedBy);
  return finding(
    'link-pending',
    'warning',
    `${since}: longer than the ${LINK_APPLY_DAYS} days applying or removing a policy can take.`,
    expectedBy,
  );
}

/** The rules judged on a linked chain, in `ruleIds` order. */
export const chainRules: readonly ChainRule[] = [
  keyAccessFailing,
  keyExpired,
  keyExpiring,
  keyDisabled,
  keyMissing,
  keyNotYetValid,
  keyTypeUnsupported,
  vaultRecoveryOff,
  accessRevoked,
  previousVersionDisabledEarly,
  vaultNetworkBlocked,
  regionMismatch,
  environmentNotEligible,
  keyNoExpiry,
  monitorBlind,
  policyUnhealthy,
  eventsNotWired,
];

const environmentRules: readonly ChainRule[] = [regionMismatch, environmentNotEligible];
const keySideRules = chainRules.filter((rule) => !environmentRules.includes(rule));

export function chainFindings(ctx: RuleContext): Finding[] {
  return findingsOf(chainRules, ctx);
}

/**
 * The findings of a linked environment. A failed link, or one of a status the monitor does not know, leaves the
 * environment outside the key's protection (Microsoft: "if it fails, your data continues to be encrypted with
 * Microsoft managed key"): the chain cannot take it down, so only the link and the environment are judged, and the
 * chain's problems are named in link-failed as likely causes. A pending link is judged on the whole chain: linking
 * needs the key to complete, and until unlinking completes the key still protects the data.
 */
export function linkedFindings(ctx: RuleContext): Finding[] {
  const failed = linkFailed(ctx);
  if (failed) return [failed, ...findingsOf(environmentRules, ctx)];
  return [...chainFindings(ctx), ...findingsOf([linkPending], ctx)];
}

function findingsOf(rules: readonly ChainRule[], ctx: RuleContext): Finding[] {
  return rules.map((rule) => rule(ctx)).filter((found): found is Finding => found !== null);
}

export function unlinkedChainBroken({ environment, unlink, now, options }: UnlinkContext): Finding | null {
  const restoreWindowEnds = addDays(unlink.unlinkedAt, unlinkWindowDays);
  if (now.getTime() >= restoreWindowEnds.getTime()) return null;
  const broken = chainFindings({ environment, chain: unlink.chain, now, options }).filter((f) =>
    RESTORE_BREAKERS.includes(f.rule),
  );
  if (!broken.length) return null;
  return finding(
    'unlinked-chain-broken',
    'critical',
    `Environment '${environment.displayName}' left policy '${unlink.chain.policy.name}' on ${iso(unlink.unlinkedAt)}; ` +
      `restoring backups from before then needs that policy's chain until ${iso(restoreWindowEnds)}, but it is broken: ` +
      broken.map((f) => `[${f.rule}] ${f.message}`).join(' '),
    restoreWindowEnds,
  );
}

/** "Vault 'kv-x'" or "Managed HSM 'hsm-x'". */
function vaultLabel(vault: Vault): string {
  return `${vault.type === 'managedHsm' ? 'Managed HSM' : 'Vault'} '${vault.name}'`;
}

function rbacAccessRevoked(chain: Chain, vault: Vault): Finding | null {
  const grants = valueOf(chain.grants);
  if (!grants) return null;
  const keyScope = `${vault.id}/keys/${chain.policy.keyName}`;
  const qualifying = grants.filter((grant) => coversScope(grant.scope, vault.id, keyScope));
  const missing = REQUIRED_DATA_ACTIONS.filter((action) => !qualifying.some((grant) => allows(grant, action)));
  if (!missing.length) return null;
  return finding(
    'access-revoked',
    'outage',
    `The ${identityOf(chain)} has no role on vault '${vault.name}', key '${chain.policy.keyName}' or above ` +
      `that allows ${missing.join(', ')}. Role grants inherited through a group are not visible to the monitor.`,
  );
}

function accessPolicyRevoked(chain: Chain, vault: Vault): Finding | null {
  const permissions = keyPermissionsOf(vault.accessPolicies, chain.policy.principalId);
  if (permissions.has('all')) return null;
  const missing = REQUIRED_KEY_PERMISSIONS.filter((permission) => !permissions.has(permission.toLowerCase()));
  if (!missing.length) return null;
  return finding(
    'access-revoked',
    'outage',
    `No access policy of vault '${vault.name}' gives the ${identityOf(chain)} the key permissions ${missing.join(', ')}. ` +
      'Access granted through a group is not visible to the monitor.',
  );
}

function keyPermissionsOf(policies: AccessPolicy[], principalId: string): Set<string> {
  const own = policies.filter((policy) => sameText(policy.objectId, principalId));
  return new Set(own.flatMap((policy) => policy.keys.map((permission) => permission.toLowerCase())));
}

/** A grant counts at the vault, at the policy's key, or at any ancestor of the vault. */
function coversScope(scope: string, vaultId: string, keyScope: string): boolean {
  const grantScope = normalizeScope(scope);
  const vault = normalizeScope(vaultId);
  return (
    grantScope === vault ||
    grantScope === normalizeScope(keyScope) ||
    vault.startsWith(`${grantScope}/`) ||
    // Management groups do not appear in the vault id; the role assignment query only returns those above the vault.
    grantScope.startsWith('/providers/microsoft.management/managementgroups/')
  );
}

/** Lower case without trailing slashes, so the root scope `/` becomes the empty string. */
function normalizeScope(scope: string): string {
  return scope.toLowerCase().replace(/\/+$/, '');
}

/** A role allows an action its data actions match and its own not-data actions do not. */
function allows(grant: RoleGrant, action: string): boolean {
  const matches = (pattern: string) => actionPattern(pattern).test(action);
  return grant.dataActions.some(matches) && !grant.notDataActions.some(matches);
}

function actionPattern(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i');
}

function missingLinkOf({ policy, vault, key }: Chain): string | null {
  if (vault.kind === 'missing') return `Vault '${nameOf(policy.vaultId)}' (${policy.vaultId}) was not found: ${vault.detail}`;
  const vaultName = vault.kind === 'found' ? vault.value.name : nameOf(policy.vaultId);
  if (key.kind === 'missing') return `Key '${policy.keyName}' was not found in vault '${vaultName}': ${key.detail}`;
  if (key.kind === 'found' && !currentVersionOf(key.value)) {
    const { name, vaultName: keyVault, currentVersion } = key.value;
    const which = policy.keyVersion ? 'pinned' : 'current';
    return `The ${which} version '${currentVersion}' of key '${name}' in vault '${keyVault}' was not found.`;
  }
  return null;
}

function unreadPartsOf({ policy, vault, key, grants }: Chain): string[] {
  const vaultName = vault.kind === 'found' ? vault.value.name : nameOf(policy.vaultId);
  const rbac = vault.kind === 'found' && vault.value.rbac;
  return [
    ...(vault.kind === 'blind' ? [`vault '${vaultName}', so access cannot be checked either (${vault.detail})`] : []),
    ...(key.kind === 'blind' ? [`key '${policy.keyName}' in vault '${vaultName}' (${key.detail})`] : []),
    ...(rbac && grants.kind === 'blind'
      ? [`the role assignments of policy '${policy.name}' on vault '${vaultName}' (${grants.detail})`]
      : []),
  ];
}

interface Current {
  key: Key;
  version: KeyVersion;
}

/** The key with its current version, when both were read. */
function currentOf(chain: Chain): Current | null {
  const key = valueOf(chain.key);
  const version = key && currentVersionOf(key);
  return key && version ? { key, version } : null;
}

function currentVersionOf(key: Key): KeyVersion | undefined {
  return key.versions.find((version) => version.version === key.currentVersion);
}

/** The newest version created before the rotation. */
function previousVersionOf(key: Key, rotatedAt: Date): KeyVersion | undefined {
  return key.versions
    .filter((version) => version.createdOn !== null && version.createdOn.getTime() < rotatedAt.getTime())
    .reduce<KeyVersion | undefined>(
      (newest, version) => (!newest || createdMs(version) > createdMs(newest) ? version : newest),
      undefined,
    );
}

function createdMs(version: KeyVersion): number {
  return version.createdOn?.getTime() ?? Number.NEGATIVE_INFINITY;
}

function isSupportedKeyType(key: Key): boolean {
  return SUPPORTED_KEY_TYPES.includes(key.kty.toLowerCase()) && key.size !== null && SUPPORTED_KEY_SIZES.includes(key.size);
}

function labelOf({ key, version }: Current): string {
  return `Key '${key.name}' version '${version.version}' in vault '${key.vaultName}'`;
}

function identityOf({ policy }: Chain): string {
  return `identity ${policy.principalId} of policy '${policy.name}'`;
}

function finding(rule: RuleId, severity: Severity, message: string, dueAt: Date | null = null): Finding {
  return { rule, severity, message, dueAt: dueAt ? iso(dueAt) : null };
}

function valueOf<T>(readout: Readout<T>): T | null {
  return readout.kind === 'found' ? readout.value : null;
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}


function days(count: number): number {
  return count * dayMs;
}

function addDays(date: Date, count: number): Date {
  return new Date(date.getTime() + days(count));
}

function iso(date: Date): string {
  return date.toISOString();
}
