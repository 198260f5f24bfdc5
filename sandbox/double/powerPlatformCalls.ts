/**
 * Power Platform's own use of the keys: under each enterprise policy's identity it reads, wraps and unwraps with the
 * policy's key for every environment linked to the policy, so Key Vault's audit log holds its calls, and their refusals
 * once access, the key or the network is taken away. Power Platform is a trusted Microsoft service: the vault's
 * firewall lets it through when the trusted-services bypass is on
 * (learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints). The identity needs Get, Wrap Key and
 * Unwrap Key (learn.microsoft.com/power-platform/admin/customer-managed-key). How often Power Platform calls is not
 * documented; the sandbox calls every few seconds. The status of a call on a disabled, expired or not-yet-valid
 * version (403 here) is this double's choice: no public source shows Key Vault's answer.
 */
import type { AuditLog } from './auditLog.js';
import { stableGuid } from './ids.js';
import type { DoubleState, PolicyState, VaultState } from './state.js';

/** The application id Power Platform's calls carry: a stand-in, stable, not Microsoft's. */
export const powerPlatformAppId = stableGuid('power-platform-cmk');

const uses = [
  { operation: 'KeyGet', permission: 'get', dataAction: 'microsoft.keyvault/vaults/keys/read', path: '' },
  {
    operation: 'KeyWrap',
    permission: 'wrapkey',
    dataAction: 'microsoft.keyvault/vaults/keys/wrap/action',
    path: '/wrapkey',
  },
  {
    operation: 'KeyUnwrap',
    permission: 'unwrapkey',
    dataAction: 'microsoft.keyvault/vaults/keys/unwrap/action',
    path: '/unwrapkey',
  },
] as const;

/** One round of Power Platform's calls: a get, a wrap and an unwrap per policy that protects an environment. */
export function callPolicyKeys(state: DoubleState, audit: AuditLog): void {
  for (const policy of state.policies) {
    const linked = state.environments.some(
      (environment) => environment.policyName?.toLowerCase() === policy.name.toLowerCase(),
    );
    const vault = state.vault(policy.vaultName);
    if (
      !linked ||
      !vault ||
      vault.type !== 'vault' ||
      state.vaultId(vault).toLowerCase() !== policy.vaultId.toLowerCase()
    )
      continue;
    const key = vault.keys.get(policy.keyName.toLowerCase());
    const version = policy.keyVersion ?? key?.versions.at(-1)?.id ?? '';
    for (const use of uses) {
      const [status, description] = answer(state, vault, policy, use);
      const keyPath = `keys/${policy.keyName}/${version}`;
      audit.write(
        vault,
        use.operation,
        status,
        { oid: policy.principalId, appid: powerPlatformAppId },
        `${keyPath}${use.path}?api-version=7.4`,
        `${vault.uri}${keyPath}`,
        description,
      );
    }
  }
}

function answer(
  state: DoubleState,
  vault: VaultState,
  policy: PolicyState,
  use: (typeof uses)[number],
): [number, string?] {
  const closed = vault.publicNetworkAccess === 'Disabled' || vault.networkDefaultAction === 'Deny';
  if (closed && !vault.trustedServicesBypass)
    return [403, 'Client address is not authorized and caller is not a trusted service.'];
  if (!allowed(state, vault, policy, use))
    return [403, `Caller is not authorized to perform action on resource. Action: '${use.dataAction}'`];
  const key = vault.keys.get(policy.keyName.toLowerCase());
  const version = policy.keyVersion ? key?.versions.find((v) => v.id === policy.keyVersion) : key?.versions.at(-1);
  if (!key || !version) return [404, `A key with (name/id) ${policy.keyName} was not found in this key vault.`];
  if (use.operation === 'KeyGet') return [200];
  const now = state.now().getTime();
  if (!version.enabled) return [403, `Operation ${use.permission} is not allowed on a disabled key.`];
  if (version.expiresOn && version.expiresOn.getTime() <= now)
    return [403, `Operation ${use.permission} is not allowed on an expired key.`];
  if (version.notBefore && version.notBefore.getTime() > now)
    return [403, `Operation ${use.permission} is not allowed on a key that is not yet valid.`];
  return [200];
}

/** The identity's access: a role assignment at or above the vault or the key whose role grants the data action, or an access policy. */
function allowed(state: DoubleState, vault: VaultState, policy: PolicyState, use: (typeof uses)[number]): boolean {
  const principal = policy.principalId.toLowerCase();
  if (!vault.rbac) {
    return vault.accessPolicies.some(
      (entry) =>
        entry.objectId.toLowerCase() === principal &&
        entry.permissions.keys.some((p) => ['all', use.permission].includes(p.toLowerCase())),
    );
  }
  const keyScope = `${state.vaultId(vault)}/keys/${policy.keyName}`.toLowerCase();
  return state.roleAssignments.some((assignment) => {
    const scope = assignment.scope.toLowerCase().replace(/\/+$/, '');
    if (
      assignment.principalId.toLowerCase() !== principal ||
      !(scope === '' || keyScope === scope || keyScope.startsWith(`${scope}/`))
    )
      return false;
    const role = state.roleDefinition(assignment.roleDefinitionId);
    return (
      !!role &&
      role.dataActions.some((action) => matches(action, use.dataAction)) &&
      !role.notDataActions.some((action) => matches(action, use.dataAction))
    );
  });
}

function matches(pattern: string, action: string): boolean {
  const expression = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return expression.test(action);
}
