/**
 * Role definitions the double serves: the built-in Key Vault roles and the general ones a deployer holds (as Azure
 * publishes them: learn.microsoft.com/azure/role-based-access-control/built-in-roles), plus a scenario's custom ones.
 */
import { keyVaultDataRoles } from '../../shared/domain/keyVaultRoles.js';
import type { ScenarioRoleDefinition } from '../scenario.js';

export interface RoleDefinition {
  /** The role definition GUID (the `name` of the ARM resource). */
  guid: string;
  roleName: string;
  roleType: 'BuiltInRole' | 'CustomRole';
  description: string;
  actions: string[];
  notActions: string[];
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
    guid: keyVaultDataRoles.cryptoServiceEncryptionUser.guid,
    roleName: 'Key Vault Crypto Service Encryption User',
    roleType: 'BuiltInRole',
    description: `Read metadata of keys and perform wrap/unwrap operations. ${rbacOnly}`,
    actions: [
      'Microsoft.EventGrid/eventSubscriptions/write',
      'Microsoft.EventGrid/eventSubscriptions/read',
      'Microsoft.EventGrid/eventSubscriptions/delete',
    ],
    notActions: [],
    dataActions: [...keyVaultDataRoles.cryptoServiceEncryptionUser.dataActions],
    notDataActions: [],
  },
  {
    guid: keyVaultDataRoles.cryptoUser.guid,
    roleName: 'Key Vault Crypto User',
    roleType: 'BuiltInRole',
    description: `Perform cryptographic operations using keys. ${rbacOnly}`,
    actions: [],
    notActions: [],
    dataActions: [...keyVaultDataRoles.cryptoUser.dataActions],
    notDataActions: [],
  },
  {
    guid: keyVaultDataRoles.cryptoOfficer.guid,
    roleName: 'Key Vault Crypto Officer',
    roleType: 'BuiltInRole',
    description: `Perform any action on the keys of a key vault, except manage permissions. ${rbacOnly}`,
    actions: keyVaultManagementReads,
    notActions: [],
    dataActions: [...keyVaultDataRoles.cryptoOfficer.dataActions],
    notDataActions: [],
  },
  {
    guid: keyVaultDataRoles.administrator.guid,
    roleName: 'Key Vault Administrator',
    roleType: 'BuiltInRole',
    description: `Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. ${rbacOnly}`,
    actions: keyVaultManagementReads,
    notActions: [],
    dataActions: [...keyVaultDataRoles.administrator.dataActions],
    notDataActions: [],
  },
  {
    guid: '21090545-7ca7-4776-b22c-e363652d74d2',
    roleName: 'Key Vault Reader',
    roleType: 'BuiltInRole',
    description: `Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. ${rbacOnly}`,
    actions: keyVaultManagementReads,
    notActions: [],
    dataActions: ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
    notDataActions: [],
  },
  {
    guid: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    roleType: 'BuiltInRole',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    actions: ['*'],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  {
    guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    roleType: 'BuiltInRole',
    description:
      'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
    ],
    dataActions: [],
    notDataActions: [],
  },
  {
    guid: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    roleType: 'BuiltInRole',
    description: 'View all resources, but does not allow you to make any changes.',
    actions: ['*/read'],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  {
    guid: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    roleName: 'User Access Administrator',
    roleType: 'BuiltInRole',
    description: 'Lets you manage user access to Azure resources.',
    actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
];

export function customRole(definition: ScenarioRoleDefinition): RoleDefinition {
  return {
    guid: definition.id.toLowerCase(),
    roleName: definition.roleName,
    roleType: 'CustomRole',
    description: '',
    actions: definition.actions,
    notActions: definition.notActions,
    dataActions: definition.dataActions,
    notDataActions: definition.notDataActions ?? [],
  };
}
