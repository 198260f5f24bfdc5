/** ARM resource ids and the stable identifiers the double hands out. */
import { createHash, randomBytes } from 'node:crypto';

export const subscriptionScope = (subscriptionId: string) => `/subscriptions/${subscriptionId}`;

export const resourceGroupScope = (subscriptionId: string, resourceGroup: string) =>
  `${subscriptionScope(subscriptionId)}/resourceGroups/${resourceGroup}`;

/** What holds keys: a Key Vault or a Managed HSM. */
export type VaultType = 'vault' | 'managedHsm';

/** Each one's ARM resource type, whose last segment is the one in its resource id. */
export const vaultResourceTypes = {
  vault: 'Microsoft.KeyVault/vaults',
  managedHsm: 'Microsoft.KeyVault/managedHSMs',
} as const satisfies Record<VaultType, string>;

export const vaultResourceId = (
  subscriptionId: string,
  resourceGroup: string,
  vaultName: string,
  type: VaultType = 'vault',
) => `${resourceGroupScope(subscriptionId, resourceGroup)}/providers/${vaultResourceTypes[type]}/${vaultName}`;

export const enterprisePolicyResourceId = (subscriptionId: string, resourceGroup: string, policyName: string) =>
  `${resourceGroupScope(subscriptionId, resourceGroup)}/providers/Microsoft.PowerPlatform/enterprisePolicies/${policyName}`;

/** `properties.systemId` of an enterprise policy, which environments reference. */
export const enterprisePolicySystemId = (location: string, systemGuid: string) =>
  `/regions/${location}/providers/Microsoft.PowerPlatform/enterprisePolicies/${systemGuid}`;

export const roleDefinitionResourceId = (subscriptionId: string, roleGuid: string) =>
  `${subscriptionScope(subscriptionId)}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;

export const roleAssignmentResourceId = (scope: string, assignmentName: string) =>
  `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${assignmentName}`;

/** The same GUID for the same seed, so ids survive a restart of the double. */
export function stableGuid(seed: string): string {
  return asGuid(createHash('sha256').update(seed).digest('hex'));
}

/** A key version id as Key Vault makes them: 32 lowercase hex digits. */
export function stableKeyVersion(seed: string): string {
  return createHash('sha256').update(`key-version:${seed}`).digest('hex').slice(0, 32);
}

export function newKeyVersion(): string {
  return randomBytes(16).toString('hex');
}

function asGuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return guidPattern.test(text);
}

/** The last path segment of an ARM id (a role definition GUID from its full id, for instance). */
export function lastSegment(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? '';
}
