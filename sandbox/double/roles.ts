/** Role definitions the double serves: the built-in Key Vault roles (as Azure publishes them) plus a scenario's custom ones. */
import type { ScenarioRoleDefinition } from '../scenario.js';

export interface RoleDefinition {
  /** The role definition GUID (the `name` of the ARM resource). */
  guid: string;
  roleName: string;
  roleType: 'BuiltInRole' | 'CustomRole';
  description: string;
  actions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const rbacOnly = "Only works for key vaults that use the 'Azure role-based access control' permission model.";

const keyVaultManagementReads = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

export const builtInRoles: readonly RoleDefinition[] = [
  {
    guid: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
    roleName: 'Key Vault Crypto Service Encryption User',
    roleType: 'BuiltInRole',
    description: `Read metadata of keys and perform wrap/unwrap operations. ${rbacOnly}`,
    actions: [
      'Microsoft.EventGrid/eventSubscriptions/write',
      'Microsoft.EventGrid/eventSubscriptions/read',
      'Microsoft.EventGrid/eventSubscriptions/delete',
    ],
    dataActions: [
      'Microsoft.KeyVault/vaults/keys/read',
      'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
    ],
    notDataActions: [],
  },
  {
    guid: '12338af0-0e69-4776-bea7-57ae8d297424',
    roleName: 'Key Vault Crypto User',
    roleType: 'BuiltInRole',
    description: `Perform cryptographic operations using keys. ${rbacOnly}`,
    actions: [],
    dataActions: [
      'Microsoft.KeyVault/vaults/keys/read',
      'Microsoft.KeyVault/vaults/keys/update/action',
      'Microsoft.KeyVault/vaults/keys/backup/action',
      'Microsoft.KeyVault/vaults/keys/encrypt/action',
      'Microsoft.KeyVault/vaults/keys/decrypt/action',
      'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
      'Microsoft.KeyVault/vaults/keys/sign/action',
      'Microsoft.KeyVault/vaults/keys/verify/action',
    ],
    notDataActions: [],
  },
  {
    guid: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
    roleName: 'Key Vault Crypto Officer',
    roleType: 'BuiltInRole',
    description: `Perform any action on the keys of a key vault, except manage permissions. ${rbacOnly}`,
    actions: keyVaultManagementReads,
    dataActions: ['Microsoft.KeyVault/vaults/keys/*', 'Microsoft.KeyVault/vaults/keyrotationpolicies/*'],
    notDataActions: [],
  },
  {
    guid: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    roleName: 'Key Vault Administrator',
    roleType: 'BuiltInRole',
    description: `Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. ${rbacOnly}`,
    actions: keyVaultManagementReads,
    dataActions: ['Microsoft.KeyVault/vaults/*'],
    notDataActions: [],
  },
  {
    guid: '21090545-7ca7-4776-b22c-e363652d74d2',
    roleName: 'Key Vault Reader',
    roleType: 'BuiltInRole',
    description: `Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. ${rbacOnly}`,
    actions: keyVaultManagementReads,
    dataActions: ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
    notDataActions: [],
  },
];

export function customRole(definition: ScenarioRoleDefinition): RoleDefinition {
  return {
    guid: definition.id.toLowerCase(),
    roleName: definition.roleName,
    roleType: 'CustomRole',
    description: '',
    actions: [],
    dataActions: definition.dataActions,
    notDataActions: definition.notDataActions ?? [],
  };
}
