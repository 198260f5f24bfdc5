import { describe, expect, it } from 'vitest';
import type { MonitoredVault } from '../../../infra/scripts/deployInputs.js';
import { actionMatches, isGranted, requiredRights, type DeploymentPlan } from '../../../infra/scripts/rights.js';

const contributor = {
  actions: ['*'],
  notActions: [
    'Microsoft.Authorization/*/Delete',
    'Microsoft.Authorization/*/Write',
    'Microsoft.Authorization/elevateAccess/Action',
  ],
};
const reader = { actions: ['*/read'], notActions: [] };

describe('actionMatches', () => {
  it('takes * for any run of characters, slashes included, and ignores case', () => {
    expect(actionMatches('*', 'Microsoft.Authorization/roleAssignments/write')).toBe(true);
    expect(actionMatches('Microsoft.EventGrid/*', 'Microsoft.EventGrid/systemTopics/eventSubscriptions/write')).toBe(
      true,
    );
    expect(actionMatches('Microsoft.Authorization/*/Write', 'microsoft.authorization/roleassignments/write')).toBe(
      true,
    );
    expect(actionMatches('*/read', 'Microsoft.KeyVault/vaults/read')).toBe(true);
  });

  it('matches the whole action, dots included, never a part of it', () => {
    expect(actionMatches('*/read', 'Microsoft.KeyVault/vaults/write')).toBe(false);
    expect(actionMatches('Microsoft.EventGrid/*', 'Microsoft.EventGridX/topics/write')).toBe(false);
    expect(actionMatches('Microsoft.Resources/deployments/write', 'Microsoft.Resources/deployments/writeX')).toBe(
      false,
    );
    expect(actionMatches('Microsoft.KeyVault/vaults/write', 'MicrosoftXKeyVault/vaults/write')).toBe(false);
  });
});

describe('isGranted', () => {
  it("grants what an entry's actions match and the same entry's notActions do not", () => {
    expect(isGranted([contributor], 'Microsoft.Resources/deployments/write')).toBe(true);
    expect(isGranted([contributor], 'Microsoft.Authorization/roleAssignments/write')).toBe(false);
    expect(isGranted([reader], 'Microsoft.Resources/deployments/write')).toBe(false);
    expect(isGranted([], 'Microsoft.Resources/deployments/read')).toBe(false);
  });

  it("does not let one entry's notActions take away what another entry grants", () => {
    const userAccessAdministrator = {
      actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
      notActions: [],
    };
    expect(isGranted([contributor, userAccessAdministrator], 'Microsoft.Authorization/roleAssignments/write')).toBe(
      true,
    );
  });
});

const app = '11111111-1111-4111-8111-111111111111';
const keys = '22222222-2222-4222-8222-222222222222';
const vaultId = (subscriptionId: string, resourceGroup: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`;
const rbacVault: MonitoredVault = {
  id: vaultId(keys, 'rg-eu', 'kv-eu'),
  location: 'westeurope',
  rbac: true,
  systemTopicId: '',
};
const accessPolicyVault: MonitoredVault = {
  id: vaultId(keys, 'rg-us', 'kv-us'),
  location: 'eastus',
  rbac: false,
  systemTopicId: `/subscriptions/${keys}/resourceGroups/rg-events/providers/Microsoft.EventGrid/systemTopics/kv-us-events`,
};
const plan: DeploymentPlan = {
  appSubscriptionId: app,
  policySubscriptionIds: [app],
  vaults: [rbacVault, accessPolicyVault],
  vaultSubscriptions: [{ subscriptionId: keys, systemTopicId: '' }],
  wireEvents: false,
  dataPlaneKeyReads: true,
  mail: 'none',
  smtpVaultId: null,
  auditLogs: false,
  location: 'westeurope',
};
const pairs = (p: DeploymentPlan) => requiredRights(p).map((right) => `${right.scope} ${right.action}`);

describe('requiredRights', () => {
  it('asks each subscription and vault for the rights the template uses there, once per scope and action', () => {
    expect(pairs(plan)).toEqual([
      `/subscriptions/${app} Microsoft.Resources/subscriptions/resourceGroups/write`,
      `/subscriptions/${app} Microsoft.Resources/deployments/write`,
      `/subscriptions/${app} Microsoft.Authorization/roleAssignments/write`,
      `/subscriptions/${keys} Microsoft.Authorization/roleAssignments/write`,
      `/subscriptions/${keys} Microsoft.Resources/deployments/write`,
      `${rbacVault.id} Microsoft.Authorization/roleAssignments/write`,
      `/subscriptions/${keys}/resourceGroups/rg-eu Microsoft.Resources/deployments/write`,
      `${accessPolicyVault.id} Microsoft.KeyVault/vaults/accessPolicies/write`,
      `/subscriptions/${keys}/resourceGroups/rg-us Microsoft.Resources/deployments/write`,
    ]);
    const appRoles = requiredRights(plan).find(
      (right) => right.scope === `/subscriptions/${app}` && right.action.endsWith('roleAssignments/write'),
    );
    expect(appRoles?.purposes).toEqual([
      "grant the monitor's identity its roles on its storage and mail",
      'grant the monitor Reader (enterprise policies)',
    ]);
  });

  it('asks nothing of the vaults themselves when keys are read through Resource Manager only', () => {
    const armOnly = pairs({ ...plan, dataPlaneKeyReads: false });
    const scopes = armOnly.map((pair) => pair.split(' ')[0] ?? '');
    expect(
      scopes.filter((scope) => scope.includes('/providers/Microsoft.KeyVault/') || scope.includes('/resourceGroups/')),
    ).toEqual([]);
    expect(armOnly).toContain(`/subscriptions/${keys} Microsoft.Authorization/roleAssignments/write`);
  });

  it('with events, asks where each topic lives or will be created, and the topic write only for a new one', () => {
    const wired = pairs({ ...plan, wireEvents: true }).slice(pairs(plan).length);
    expect(wired).toEqual([
      `/subscriptions/${keys}/resourceGroups/rg-eu Microsoft.EventGrid/systemTopics/write`,
      `/subscriptions/${keys}/resourceGroups/rg-eu Microsoft.EventGrid/systemTopics/eventSubscriptions/write`,
      `/subscriptions/${keys}/resourceGroups/rg-events Microsoft.EventGrid/systemTopics/eventSubscriptions/write`,
      `/subscriptions/${keys}/resourceGroups/rg-events Microsoft.Resources/deployments/write`,
    ]);
    const subscriptionTopic = requiredRights({ ...plan, wireEvents: true }).find(
      (right) => right.scope.endsWith('rg-eu') && right.action === 'Microsoft.EventGrid/systemTopics/write',
    );
    expect(subscriptionTopic?.purposes).toEqual([
      'create the Event Grid system topic of vault kv-eu',
      `create the Event Grid system topic of subscription ${keys}`,
    ]);
  });

  it("with audit logs, asks to write a diagnostic setting on each vault of the monitor's region, and the hub's rule", () => {
    const audited = pairs({ ...plan, auditLogs: true, location: 'West Europe' }).slice(pairs(plan).length);
    expect(audited).toEqual([
      `/subscriptions/${app} Microsoft.EventHub/namespaces/authorizationRules/listKeys/action`,
      `${rbacVault.id} Microsoft.Insights/diagnosticSettings/write`,
    ]);
    expect(pairs({ ...plan, auditLogs: true, location: 'centralus' })).not.toContain(
      `${accessPolicyVault.id} Microsoft.Insights/diagnosticSettings/write`,
    );
  });

  it("puts an existing subscription topic's rights on its own resource group", () => {
    const existing = `/subscriptions/${keys}/resourceGroups/rg-arm/providers/Microsoft.EventGrid/systemTopics/arm`;
    const rights = pairs({
      ...plan,
      wireEvents: true,
      vaultSubscriptions: [{ subscriptionId: keys, systemTopicId: existing }],
    });
    expect(rights).toContain(
      `/subscriptions/${keys}/resourceGroups/rg-arm Microsoft.EventGrid/systemTopics/eventSubscriptions/write`,
    );
    expect(rights).not.toContain(`/subscriptions/${keys}/resourceGroups/rg-arm Microsoft.EventGrid/systemTopics/write`);
  });

  it('asks for the role-definition right only when it creates the mail-sender role, and for the SMTP secret only with its vault', () => {
    const definesRoles = `/subscriptions/${app} Microsoft.Authorization/roleDefinitions/write`;
    expect(pairs({ ...plan, mail: 'acs' })).toContain(definesRoles);
    expect(pairs(plan)).not.toContain(definesRoles);
    const smtpVault = vaultId(app, 'rg-secrets', 'kv-secrets');
    expect(
      pairs({ ...plan, mail: 'smtp', smtpVaultId: smtpVault }).filter((pair) => !pairs(plan).includes(pair)),
    ).toEqual([
      `${smtpVault} Microsoft.Authorization/roleAssignments/write`,
      `/subscriptions/${app}/resourceGroups/rg-secrets Microsoft.Resources/deployments/write`,
    ]);
    expect(pairs({ ...plan, mail: 'smtp', smtpVaultId: null })).toEqual(pairs(plan));
  });
});
