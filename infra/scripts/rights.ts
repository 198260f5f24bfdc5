/** The rights the deployment needs at each scope it writes to, and whether ARM's permission list grants them. */
import { parseKeyVaultId } from '../../shared/domain/resourceIds.js';
import type { MonitoredVault, VaultSubscription } from './deployInputs.js';

/** One entry of `GET {scope}/providers/Microsoft.Authorization/permissions`: one per role assignment of the caller. */
export interface Permission {
  actions: string[];
  notActions: string[];
}

export interface DeploymentPlan {
  appSubscriptionId: string;
  policySubscriptionIds: string[];
  vaults: MonitoredVault[];
  vaultSubscriptions: VaultSubscription[];
  wireEvents: boolean;
  /** Per-vault data-plane key reads (DATA_PLANE_KEY_READS): the fallback where Resource Manager refuses. */
  dataPlaneKeyReads: boolean;
  mail: 'acs' | 'smtp' | 'none';
  /** The vault holding the SMTP password secret, when the monitor is to read it. */
  smtpVaultId: string | null;
  /** Key Vault audit records to an Event Hub in `location` (AUDIT_LOGS): a diagnostic setting on each vault there. */
  auditLogs: boolean;
  /** The monitor's region (AZURE_LOCATION). */
  location: string;
}

export interface RequiredRight {
  scope: string;
  action: string;
  /** What the deployment does with it, one entry per use. */
  purposes: string[];
}

export const actions = {
  createResourceGroup: 'Microsoft.Resources/subscriptions/resourceGroups/write',
  deploy: 'Microsoft.Resources/deployments/write',
  assignRoles: 'Microsoft.Authorization/roleAssignments/write',
  defineRoles: 'Microsoft.Authorization/roleDefinitions/write',
  writeAccessPolicies: 'Microsoft.KeyVault/vaults/accessPolicies/write',
  createSystemTopic: 'Microsoft.EventGrid/systemTopics/write',
  subscribeToSystemTopic: 'Microsoft.EventGrid/systemTopics/eventSubscriptions/write',
  writeDiagnosticSettings: 'Microsoft.Insights/diagnosticSettings/write',
  listEventHubKeys: 'Microsoft.EventHub/namespaces/authorizationRules/listKeys/action',
} as const;

/** ARM action patterns: `*` stands for any run of characters, and case never matters. */
export function actionMatches(pattern: string, action: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i').test(action);
}

/** Granted when one entry's actions match it and that same entry's notActions do not. */
export function isGranted(permissions: Permission[], action: string): boolean {
  return permissions.some(
    (entry) =>
      entry.actions.some((pattern) => actionMatches(pattern, action)) &&
      !entry.notActions.some((pattern) => actionMatches(pattern, action)),
  );
}

/** Every right the template needs, one per scope and action, in the order a reader meets them. */
export function requiredRights(plan: DeploymentPlan): RequiredRight[] {
  const rights = new Map<string, RequiredRight>();
  const need = (scope: string, action: string, purpose: string) => {
    const key = `${scope.toLowerCase()}|${action.toLowerCase()}`;
    const right = rights.get(key) ?? { scope, action, purposes: [] };
    if (!right.purposes.includes(purpose)) right.purposes.push(purpose);
    rights.set(key, right);
  };

  const app = subscriptionScope(plan.appSubscriptionId);
  need(app, actions.createResourceGroup, "create the monitor's resource group");
  need(app, actions.deploy, 'deploy the template');
  need(app, actions.assignRoles, "grant the monitor's identity its roles on its storage and mail");
  if (plan.mail === 'acs')
    need(app, actions.defineRoles, 'create the custom role that lets the monitor send mail and nothing more');
  if (plan.mail === 'smtp' && plan.smtpVaultId) {
    need(plan.smtpVaultId, actions.assignRoles, 'grant the monitor Key Vault Secrets User on the SMTP password secret');
    need(resourceGroupOf(plan.smtpVaultId), actions.deploy, 'deploy the module that grants it');
  }

  for (const subscriptionId of plan.policySubscriptionIds) {
    need(subscriptionScope(subscriptionId), actions.assignRoles, 'grant the monitor Reader (enterprise policies)');
    need(subscriptionScope(subscriptionId), actions.deploy, 'deploy the module that grants it');
  }
  for (const { subscriptionId } of plan.vaultSubscriptions) {
    need(
      subscriptionScope(subscriptionId),
      actions.assignRoles,
      'grant the monitor Reader (vault properties, role assignments)',
    );
    need(subscriptionScope(subscriptionId), actions.deploy, 'deploy the module that grants it');
  }

  for (const vault of plan.dataPlaneKeyReads ? plan.vaults : []) {
    const name = vaultName(vault);
    if (vault.rbac) need(vault.id, actions.assignRoles, `grant the monitor Key Vault Reader on vault ${name}`);
    else
      need(
        vault.id,
        actions.writeAccessPolicies,
        `give the monitor an access policy (keys get, list, getrotationpolicy) on vault ${name}`,
      );
    need(
      resourceGroupOf(vault.id),
      actions.deploy,
      `deploy the module that grants the monitor access to vault ${name}`,
    );
  }

  if (plan.wireEvents) {
    for (const vault of plan.vaults) {
      const name = vaultName(vault);
      const topic = `the Event Grid system topic of vault ${name}`;
      wireTopic(
        need,
        vault.systemTopicId || null,
        resourceGroupOf(vault.systemTopicId || vault.id),
        topic,
        'keyVaultEvents',
      );
    }
    for (const { subscriptionId, systemTopicId } of plan.vaultSubscriptions) {
      const firstVault = plan.vaults.find(
        (vault) => parseKeyVaultId(vault.id)?.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
      );
      const home = systemTopicId || firstVault?.id;
      if (!home)
        throw new Error(`subscription ${subscriptionId} of VAULT_SUBSCRIPTIONS holds none of MONITORED_VAULTS`);
      const topic = `the Event Grid system topic of subscription ${subscriptionId}`;
      wireTopic(need, systemTopicId || null, resourceGroupOf(home), topic, 'resourceEvents');
    }
  }
  if (plan.auditLogs) {
    need(app, actions.listEventHubKeys, "hand the vaults' diagnostic settings the Event Hub's authorization rule");
    for (const vault of plan.vaults.filter((candidate) => sameRegion(candidate.location, plan.location))) {
      const name = vaultName(vault);
      need(
        vault.id,
        actions.writeDiagnosticSettings,
        `stream the AuditEvent logs of vault ${name} to the monitor's Event Hub`,
      );
      need(resourceGroupOf(vault.id), actions.deploy, `deploy the module that streams vault ${name}'s logs`);
    }
  }
  return [...rights.values()];
}

/** infra/main.bicep's test of the same: a diagnostic setting streams only to an Event Hub in its vault's region. */
function sameRegion(a: string, b: string): boolean {
  return a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();
}

function wireTopic(
  need: (scope: string, action: string, purpose: string) => void,
  existingTopicId: string | null,
  resourceGroup: string,
  topic: string,
  functionName: string,
): void {
  if (!existingTopicId) need(resourceGroup, actions.createSystemTopic, `create ${topic}`);
  need(resourceGroup, actions.subscribeToSystemTopic, `subscribe ${functionName} to ${topic}`);
  need(resourceGroup, actions.deploy, `deploy the Event Grid module of ${topic}`);
}

function subscriptionScope(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId}`;
}

/** The resource group scope of an ARM resource id. */
export function resourceGroupOf(resourceId: string): string {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(resourceId);
  if (!match) throw new Error(`${resourceId} is not in a resource group`);
  return match[0];
}

function vaultName(vault: MonitoredVault): string {
  return parseKeyVaultId(vault.id)?.name ?? vault.id;
}
