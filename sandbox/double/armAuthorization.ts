/**
 * ARM Microsoft.Authorization: role assignments (list for a scope, get, create, delete), role definitions (get), and
 * the caller's permissions at a subscription, resource group or resource (Permissions_ListForResourceGroup /
 * ListForResource, api-version 2022-04-01: azure-rest-api-specs,
 * specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json;
 * the subscription form is the one of learn.microsoft.com "Use the Azure Resource Manager authentication API").
 */
import { z } from 'zod';
import type { ArmContext } from './arm.js';
import { badRequest, subscriptionNotFound } from './armErrors.js';
import { callerOf } from './identity.js';
import { isGuid, lastSegment, roleDefinitionResourceId } from './ids.js';
import { paginate } from './paging.js';
import { errorReply, type DoubleRequest, type Reply, type Route } from './server.js';
import type { RoleAssignmentState } from './state.js';
import type { RoleDefinition } from './roles.js';

const assignmentsPath = /^(.*)\/providers\/microsoft\.authorization\/roleassignments\/?$/i;
const assignmentPath = /^(.*)\/providers\/microsoft\.authorization\/roleassignments\/([^/]+)\/?$/i;
const definitionPath = /^(.*)\/providers\/microsoft\.authorization\/roledefinitions\/([^/]+)\/?$/i;
const permissionsPath =
  /^(\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+)(?:\/providers\/.+)?)?)\/providers\/microsoft\.authorization\/permissions\/?$/i;

const createBody = z.object({
  properties: z.object({
    roleDefinitionId: z.string(),
    principalId: z.string(),
    principalType: z.string().optional(),
  }),
});

export function authorizationRoutes(context: ArmContext): Route[] {
  const assignments = () => ['arm', 'arm:roleAssignments'];
  const definitions = () => ['arm', 'arm:roleDefinitions'];
  return [
    {
      method: 'GET',
      pattern: assignmentsPath,
      kind: 'arm.listRoleAssignments',
      targets: assignments,
      handle: (request) => list(context, request),
    },
    {
      method: 'GET',
      pattern: assignmentPath,
      kind: 'arm.getRoleAssignment',
      targets: assignments,
      handle: (request) => get(context, request),
    },
    {
      method: 'PUT',
      pattern: assignmentPath,
      kind: 'arm.createRoleAssignment',
      targets: assignments,
      handle: (request) => create(context, request),
    },
    {
      method: 'DELETE',
      pattern: assignmentPath,
      kind: 'arm.deleteRoleAssignment',
      targets: () => [...assignments(), 'arm:roleAssignments:delete'],
      handle: (request) => remove(context, request),
    },
    {
      method: 'GET',
      pattern: definitionPath,
      kind: 'arm.getRoleDefinition',
      targets: definitions,
      handle: (request) => getDefinition(context, request),
    },
    {
      method: 'GET',
      pattern: permissionsPath,
      kind: 'arm.listPermissions',
      targets: () => ['arm', 'arm:permissions'],
      handle: (request) => permissions(context, request),
    },
  ];
}

/** One entry per role assignment of the caller at or above the scope: its role's permissions, as ARM lists them. */
function permissions(context: ArmContext, request: DoubleRequest): Reply {
  const [rawScope, subscriptionId = '', resourceGroup = ''] = request.params;
  const caller = callerOf(request.headers.authorization);
  if (!caller) return errorReply(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  if (!context.state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
  if (resourceGroup && !context.state.hasResourceGroup(subscriptionId, resourceGroup)) {
    return errorReply(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
  }
  const scope = scopeOf(rawScope);
  const entries = context.state.roleAssignments
    .filter((assignment) => sameText(assignment.principalId, caller) && contains(assignment.scope, scope))
    .flatMap((assignment) => {
      const role = context.state.roleDefinition(assignment.roleDefinitionId);
      return role ? [permissionsOf(role)] : [];
    });
  return { status: 200, body: paginate(entries, request, context.pageSize, '$skipToken') };
}

function permissionsOf(role: RoleDefinition): {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
} {
  return {
    actions: role.actions,
    notActions: role.notActions,
    dataActions: role.dataActions,
    notDataActions: role.notDataActions,
  };
}

/** Assignments at, above or below the scope (only at or above with `atScope()`), optionally for one principal. */
function list(context: ArmContext, request: DoubleRequest): Reply {
  const scope = scopeOf(request.params[0]);
  const filter = parseFilter(request.query.get('$filter'));
  if ('error' in filter) return filter.error;
  const matches = context.state.roleAssignments.filter((assignment) => {
    if (filter.principalId && !sameText(assignment.principalId, filter.principalId)) return false;
    return contains(assignment.scope, scope) || (!filter.atScope && contains(scope, assignment.scope));
  });
  return { status: 200, body: paginate(matches.map(assignmentResource), request, context.pageSize, '$skipToken') };
}

function get(context: ArmContext, request: DoubleRequest): Reply {
  const assignment = findAssignment(context, request);
  return assignment
    ? { status: 200, body: assignmentResource(assignment) }
    : assignmentNotFound(request.params[1] ?? '');
}

function create(context: ArmContext, request: DoubleRequest): Reply {
  const scope = scopeOf(request.params[0]);
  const name = request.params[1] ?? '';
  if (!isGuid(name))
    return badRequest(
      'InvalidRoleAssignmentId',
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    );
  const body = createBody.safeParse(request.body ?? {});
  if (!body.success)
    return badRequest(
      'InvalidRequestContent',
      `The request content was invalid: ${body.error.issues[0]?.message ?? ''}`,
    );
  const { roleDefinitionId, principalId, principalType } = body.data.properties;
  if (!context.state.roleDefinition(roleDefinitionId))
    return roleDefinitionNotFound(lastSegment(roleDefinitionId), 400);
  if (!isGuid(principalId))
    return badRequest('InvalidPrincipalId', 'A valid principal ID must be provided for role assignment.');
  const sameGrant = (assignment: RoleAssignmentState) =>
    sameText(assignment.scope, scope) &&
    sameText(assignment.principalId, principalId) &&
    sameText(lastSegment(assignment.roleDefinitionId), lastSegment(roleDefinitionId));
  const existing = findAssignment(context, request);
  if (existing) {
    if (sameGrant(existing)) return { status: 201, body: assignmentResource(existing) };
    return errorReply(
      409,
      'RoleAssignmentUpdateNotPermitted',
      'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
    );
  }
  if (context.state.roleAssignments.some(sameGrant))
    return errorReply(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const assignment = context.state.putRoleAssignment({
    scope,
    name,
    roleDefinitionId,
    principalId,
    ...(principalType && { principalType }),
  });
  return { status: 201, body: assignmentResource(assignment) };
}

function remove(context: ArmContext, request: DoubleRequest): Reply {
  const assignment = findAssignment(context, request);
  if (!assignment) return { status: 204 };
  context.state.deleteRoleAssignment(assignment.id);
  return { status: 200, body: assignmentResource(assignment) };
}

function getDefinition(context: ArmContext, request: DoubleRequest): Reply {
  const guid = request.params[1] ?? '';
  const role = context.state.roleDefinition(guid);
  if (!role) return roleDefinitionNotFound(guid);
  const atSubscription = /^\/subscriptions\//i.test(request.params[0] ?? '');
  return { status: 200, body: definitionResource(context, role, atSubscription) };
}

function findAssignment(context: ArmContext, request: DoubleRequest): RoleAssignmentState | undefined {
  const scope = scopeOf(request.params[0]);
  const name = request.params[1] ?? '';
  return context.state.roleAssignments.find(
    (assignment) => sameText(assignment.scope, scope) && sameText(assignment.name, name),
  );
}

function assignmentResource(assignment: RoleAssignmentState): object {
  return {
    id: assignment.id,
    name: assignment.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: assignment.roleDefinitionId,
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      scope: assignment.scope,
      condition: null,
      conditionVersion: null,
      createdOn: assignment.createdOn.toISOString(),
      updatedOn: assignment.updatedOn.toISOString(),
    },
  };
}

function definitionResource(context: ArmContext, role: RoleDefinition, atSubscription: boolean): object {
  const builtIn = role.roleType === 'BuiltInRole';
  return {
    id: atSubscription
      ? roleDefinitionResourceId(context.state.subscriptionId, role.guid)
      : `/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
    name: role.guid,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: role.roleName,
      type: role.roleType,
      description: role.description,
      assignableScopes: builtIn ? ['/'] : [`/subscriptions/${context.state.subscriptionId}`],
      permissions: [permissionsOf(role)],
    },
  };
}

type Filter = { atScope: boolean; principalId?: string } | { error: Reply };

/** The `$filter` forms ARM takes here: `atScope()`, `principalId eq '<id>'`, `assignedTo('<id>')`, joined by `and`. */
function parseFilter(filter: string | null): Filter {
  const result: { atScope: boolean; principalId?: string } = { atScope: false };
  for (const clause of (filter ?? '')
    .split(/\s+and\s+/i)
    .map((part) => part.trim())
    .filter(Boolean)) {
    const principal = /^(?:principalId\s+eq\s+'([^']+)'|assignedTo\('([^']+)'\))$/i.exec(clause);
    if (/^atScope\(\)$/i.test(clause)) result.atScope = true;
    else if (principal) result.principalId = principal[1] ?? principal[2] ?? '';
    else return { error: badRequest('UnsupportedQuery', `The filter '${filter ?? ''}' is not supported.`) };
  }
  return result;
}

function scopeOf(raw: string | undefined): string {
  const scope = (raw ?? '').replace(/\/+$/, '');
  return scope === '' ? '/' : scope;
}

/** True when `outer` is `inner` or one of its ancestors. */
function contains(outer: string, inner: string): boolean {
  return outer === '/' || sameText(outer, inner) || inner.toLowerCase().startsWith(`${outer.toLowerCase()}/`);
}

function assignmentNotFound(name: string): Reply {
  return errorReply(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
}

function roleDefinitionNotFound(guid: string, status = 404): Reply {
  return errorReply(
    status,
    'RoleDefinitionDoesNotExist',
    `The specified role definition with ID '${guid}' does not exist.`,
  );
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
