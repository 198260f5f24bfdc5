import {
  AuthorizationManagementClient,
  type AuthorizationManagementClientOptionalParams,
} from '@azure/arm-authorization';
import type { TokenCredential } from '@azure/core-auth';
import type { Readout, RoleGrant, Vault } from '../../../domain/model.js';
import { memoize } from '../../../memoize.js';
import { readout } from './readout.js';
import { keyVaultDataRoles } from '../../../domain/keyVaultRoles.js';
import { nameOf, parseVaultId } from '../../../domain/resourceIds.js';

/** Data actions of the built-in roles that can serve a CMK, so the common case costs no role-definition read. */
const builtInRoles: Record<string, readonly string[]> = Object.fromEntries(
  Object.values(keyVaultDataRoles).map((role) => [role.guid, role.dataActions]),
);

interface RolePermissions {
  dataActions: string[];
  notDataActions: string[];
}

export type AuthorizationClients = (subscriptionId: string) => AuthorizationManagementClient;

export function authorizationClients(
  credential: TokenCredential,
  options: AuthorizationManagementClientOptionalParams,
): AuthorizationClients {
  return memoize((subscriptionId) => new AuthorizationManagementClient(credential, subscriptionId, options));
}

type Assignment = { principalId: string; roleDefinitionId: string; scope: string };

/**
 * The policy identity's role assignments at, above or below a vault, each with its role's data actions. Each vault's
 * scope is listed once for every identity asked about it (Role Assignments - List For Scope without a filter returns
 * every principal's assignments at, above and below the scope), so a scan costs one listing per vault, not one per
 * identity: 1,000 identities over 50 vaults stay far inside ARM's read budget.
 * Make one per scan or event: what it read (listings, custom role definitions) is kept for the reader's life.
 */
export class AccessReader {
  private readonly customRole: (roleDefinitionId: string) => Promise<RolePermissions>;
  private readonly assignments: (vaultId: string) => Promise<Readout<Assignment[]>>;

  constructor(private readonly client: AuthorizationClients) {
    // Keyed by the subscription-form id (see `permissions`), read where that subscription's client reads.
    this.customRole = memoize(async (roleDefinitionId) => {
      const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(roleDefinitionId)?.[1] ?? '';
      const definition = await this.client(subscriptionId).roleDefinitions.getById(roleDefinitionId);
      return {
        dataActions: (definition.permissions ?? []).flatMap((p) => p.dataActions ?? []),
        notDataActions: (definition.permissions ?? []).flatMap((p) => p.notDataActions ?? []),
      };
    });
    this.assignments = memoize((vaultId) => this.list(vaultId));
  }

  async read(vault: Vault, principalId: string): Promise<Readout<RoleGrant[]>> {
    const subscriptionId = parseVaultId(vault.id)?.subscriptionId;
    if (!subscriptionId) return { kind: 'blind', detail: `${vault.id} is not a Key Vault resource id` };
    const listed = await this.assignments(vault.id.toLowerCase());
    // A 404 on a vault that ARM just returned is not proof that access is gone.
    if (listed.kind !== 'found') return listed.kind === 'missing' ? { kind: 'blind', detail: listed.detail } : listed;
    const held = listed.value.filter(
      (assignment) => assignment.principalId.toLowerCase() === principalId.toLowerCase(),
    );
    return readout(`Role definitions of ${principalId} on vault ${vault.name}`, () =>
      Promise.all(
        held.map(async ({ roleDefinitionId, scope }) => ({
          roleDefinitionId,
          scope,
          ...(await this.permissions(roleDefinitionId, subscriptionId)),
        })),
      ),
    );
  }

  private list(vaultId: string): Promise<Readout<Assignment[]>> {
    const subscriptionId = parseVaultId(vaultId)?.subscriptionId ?? '';
    const vaultName = nameOf(vaultId);
    return readout(`Role assignments on vault ${vaultName}`, async () => {
      const assignments: Assignment[] = [];
      for await (const { principalId, roleDefinitionId, scope } of this.client(
        subscriptionId,
      ).roleAssignments.listForScope(vaultId)) {
        if (principalId && roleDefinitionId && scope) assignments.push({ principalId, roleDefinitionId, scope });
      }
      return assignments;
    });
  }

  /**
   * ARM lists `roleDefinitionId` in two forms: `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>`
   * and the tenant form `/providers/Microsoft.Authorization/roleDefinitions/<guid>` (Azure/azure-rest-api-specs
   * specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/examples/
   * RoleAssignments_ListForScope.json). Built-in roles are known by GUID in either form. A custom role is read at the
   * vault's subscription, where it is assignable: Role Definitions - Get By Id takes the tenant form for tenant-level
   * (built-in) definitions only (learn.microsoft.com/rest/api/authorization/role-definitions/get-by-id).
   */
  private permissions(roleDefinitionId: string, vaultSubscriptionId: string): Promise<RolePermissions> {
    const guid = nameOf(roleDefinitionId).toLowerCase();
    const builtIn = builtInRoles[guid];
    if (builtIn) return Promise.resolve({ dataActions: [...builtIn], notDataActions: [] });
    const atSubscription = /^\/subscriptions\//i.test(roleDefinitionId)
      ? roleDefinitionId
      : `/subscriptions/${vaultSubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
    return this.customRole(atSubscription);
  }
}
