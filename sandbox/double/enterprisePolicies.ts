/** ARM Microsoft.PowerPlatform/enterprisePolicies (kind Encryption, and the other kinds): list by subscription, get one. No JS SDK exists for it. */
import type { ArmContext } from './arm.js';
import { resourceNotFound, subscriptionNotFound } from './armErrors.js';
import { enterprisePolicyResourceId, enterprisePolicySystemId } from './ids.js';
import { paginate } from './paging.js';
import type { Route } from './server.js';
import type { OtherPolicyState, PolicyState } from './state.js';

const listPath = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.powerplatform\/enterprisepolicies\/?$/i;
const itemPath =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.powerplatform\/enterprisepolicies\/([^/]+)\/?$/i;
const policyType = 'Microsoft.PowerPlatform/enterprisePolicies';

export function enterprisePolicyRoutes(context: ArmContext): Route[] {
  const { state } = context;
  const targets = () => ['arm', 'arm:enterprisePolicies'];
  return [
    {
      method: 'GET',
      pattern: listPath,
      kind: 'arm.listEnterprisePolicies',
      targets,
      handle: (request) => {
        const subscriptionId = request.params[0] ?? '';
        if (!state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
        const inSubscription = (policy: { subscriptionId: string }) => sameText(policy.subscriptionId, subscriptionId);
        const policies = [
          ...state.policies.filter(inSubscription).map((policy) => policyResource(context, policy)),
          ...state.otherPolicies.filter(inSubscription).map((policy) => otherPolicyResource(context, policy)),
        ];
        return { status: 200, body: paginate(policies, request, context.pageSize, '$skiptoken') };
      },
    },
    {
      method: 'GET',
      pattern: itemPath,
      kind: 'arm.getEnterprisePolicy',
      targets,
      handle: (request) => {
        const [subscriptionId = '', resourceGroup = '', name = ''] = request.params;
        if (!state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
        const here = (policy: { subscriptionId: string; resourceGroup: string; name: string }) =>
          sameText(policy.subscriptionId, subscriptionId) &&
          sameText(policy.resourceGroup, resourceGroup) &&
          sameText(policy.name, name);
        const policy = state.policies.find(here);
        if (policy) return { status: 200, body: policyResource(context, policy) };
        const other = state.otherPolicies.find(here);
        if (other) return { status: 200, body: otherPolicyResource(context, other) };
        return resourceNotFound(policyType, name, resourceGroup);
      },
    },
  ];
}

/** Real responses name the identity's principal id differently from policy to policy: the double alternates. */
function policyResource(context: ArmContext, policy: PolicyState): object {
  const { state } = context;
  const principalField = state.policies.indexOf(policy) % 2 === 0 ? 'principalId' : 'systemAssignedIdentityPrincipalId';
  return {
    id: enterprisePolicyResourceId(policy.subscriptionId, policy.resourceGroup, policy.name),
    name: policy.name,
    type: policyType,
    location: policy.location,
    kind: 'Encryption',
    tags: policy.tags,
    ...(!state.omitted.has('enterprisePolicy.identity') && {
      identity: { type: 'SystemAssigned', [principalField]: policy.principalId, tenantId: state.tenantId },
    }),
    properties: {
      systemId: enterprisePolicySystemId(policy.location, policy.systemGuid),
      encryption: {
        state: 'Enabled',
        keyVault: {
          id: policy.vaultId,
          key: { name: policy.keyName, ...(policy.keyVersion && { version: policy.keyVersion }) },
        },
      },
      healthStatus: policy.healthStatus,
    },
  };
}

function otherPolicyResource(context: ArmContext, policy: OtherPolicyState): object {
  return {
    id: enterprisePolicyResourceId(policy.subscriptionId, policy.resourceGroup, policy.name),
    name: policy.name,
    type: policyType,
    location: policy.location,
    kind: policy.kind,
    tags: {},
    identity: { type: 'SystemAssigned', principalId: policy.principalId, tenantId: context.state.tenantId },
    properties: {
      systemId: enterprisePolicySystemId(policy.location, policy.systemGuid),
      ...(policy.kind === 'NetworkInjection' && { networkInjection: { virtualNetworks: [] } }),
      ...(policy.kind === 'Lockbox' && { lockbox: { state: 'Enabled' } }),
      healthStatus: 'Healthy',
    },
  };
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
