/** The sandbox scenario: what the Azure double serves, with times relative to "now" (README, "Quick start"). */
import { z } from 'zod';
import { builtInRoles } from './double/roles.js';
import { isIsoDuration } from './isoDuration.js';
import { issuePath } from '../shared/text/issues.js';

export const powerPlatformLocations = [
  'unitedstates',
  'southafrica',
  'uk',
  'japan',
  'india',
  'france',
  'europe',
  'germany',
  'switzerland',
  'canada',
  'brazil',
  'australia',
  'asia',
  'uae',
  'korea',
  'norway',
  'singapore',
  'sweden',
] as const;
export type PowerPlatformLocation = (typeof powerPlatformLocations)[number];

const location = z.enum(powerPlatformLocations);
const isoDuration = z.string().refine(isIsoDuration, 'expected an ISO 8601 duration such as P1Y or P30D');

const keyVersionSchema = z.strictObject({
  enabled: z.boolean(),
  createdDaysAgo: z.number().min(0),
  /** Negative: already expired. Null: no expiry. */
  expiresInDays: z.number().nullable(),
  notBeforeInDays: z.number().nullable().optional(),
});

const ellipticCurveSizes = [256, 384, 521];

const keySchema = z
  .strictObject({
    name: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'expected 1-127 letters, digits or dashes'),
    kty: z.enum(['RSA', 'RSA-HSM', 'EC', 'EC-HSM']),
    /** RSA modulus bits, or the EC curve size (256, 384, 521). */
    size: z.number().int().positive(),
    /** The last version listed is the current one. */
    versions: z.array(keyVersionSchema).min(1),
    rotationPolicy: z
      .strictObject({ expiresAfter: isoDuration.optional(), notifyBefore: isoDuration.optional() })
      .optional(),
    /** The key was deleted this many days ago (soft-deleted when the vault has soft delete). */
    deletedDaysAgo: z.number().min(0).optional(),
  })
  .superRefine((key, ctx) => {
    if (key.kty.startsWith('EC') && !ellipticCurveSizes.includes(key.size)) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'EC keys take size 256, 384 or 521' });
    }
  });

const guidText = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const roleDefinitionIdPattern = new RegExp(
  `^(${guidText}|(/subscriptions/${guidText})?/providers/Microsoft\\.Authorization/roleDefinitions/${guidText})$`,
  'i',
);
function roleDefinitionId() {
  return z
    .string()
    .regex(
      roleDefinitionIdPattern,
      "expected a role definition GUID, '/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>' or '/providers/Microsoft.Authorization/roleDefinitions/<guid>'",
    );
}

const roleAssignmentSchema = z.strictObject({
  principalId: z.guid(),
  /**
   * A role definition GUID, or a full role definition id in either form ARM returns: the tenant form
   * `/providers/Microsoft.Authorization/roleDefinitions/<guid>` is served as written, a GUID or the subscription form
   * as `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>`.
   */
  roleDefinitionId: roleDefinitionId(),
  scope: z
    .string()
    .regex(
      /^(vault|resourceGroup|subscription|key:.+)$/,
      "expected 'vault', 'key:<name>', 'resourceGroup' or 'subscription'",
    ),
});

const resourceGroupName = z.string().min(1);
const systemTopicName = z.string().regex(/^[a-zA-Z0-9-]{3,128}$/, 'expected a 3-128 character system topic name');
const eventSubscriptionName = z
  .string()
  .regex(/^[a-zA-Z0-9-]{3,64}$/, 'expected a 3-64 character event subscription name (letters, digits, dashes)');
/**
 * Event subscriptions that exist on a system topic already: a name (destination not modelled), or a name and the
 * function of this monitor's function app it delivers to (e.g. keyVaultEvents).
 */
const eventSubscriptionNames = z
  .array(
    z.union([
      eventSubscriptionName,
      z.strictObject({
        name: eventSubscriptionName,
        function: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/, 'expected a function name'),
      }),
    ]),
  )
  .default([])
  .transform((items) => items.map((item) => (typeof item === 'string' ? { name: item, function: null } : item)));

const vaultSchema = z.strictObject({
  /** Vault and Managed HSM names follow the same rule: 3-24 letters, digits and dashes, starting with a letter. */
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, 'expected a 3-24 character vault name'),
  /**
   * 'managedHsm': a Managed HSM (`Microsoft.KeyVault/managedHSMs`), whose keys the same Key Vault key API serves. Its
   * access is its local RBAC, a data-plane setting Resource Manager does not serve, and it publishes no Event Grid
   * events: it takes none of `rbac`, `accessPolicies`, `roleAssignments`, `systemTopic`, `eventSubscriptions`.
   */
  type: z.enum(['vault', 'managedHsm']).default('vault'),
  resourceGroup: resourceGroupName,
  /** The vault's subscription, when it is not the scenario's. */
  subscriptionId: z.guid().optional(),
  /*
   * The vault's optional ARM properties. Absent: never set, so ARM omits them (Azure/azure-rest-api-specs
   * specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/examples/getVault.json has no
   * enableSoftDelete, enablePurgeProtection, enableRbacAuthorization or networkAcls) and the vault behaves as Azure
   * documents for an unset value: soft delete on, purge protection off, access policies (learn.microsoft.com
   * azure/key-vault/general/access-control-default: "Vaults where enableRbacAuthorization is null ... continue using
   * access policies"), public network access Enabled, no firewall (network rules absent), trusted services bypass.
   */
  softDelete: z.boolean().optional(),
  /** Days a deleted key stays recoverable: 7 to 90 (VaultProperties.softDeleteRetentionInDays); absent: 90. */
  softDeleteRetentionDays: z.number().int().min(7).max(90).optional(),
  purgeProtection: z.boolean().optional(),
  rbac: z.boolean().optional(),
  publicNetworkAccess: z.enum(['Enabled', 'Disabled']).optional(),
  networkDefaultAction: z.enum(['Allow', 'Deny']).optional(),
  trustedServicesBypass: z.boolean().optional(),
  accessPolicies: z.array(z.strictObject({ objectId: z.guid(), keys: z.array(z.string()) })).default([]),
  roleAssignments: z.array(roleAssignmentSchema).default([]),
  keys: z.array(keySchema).default([]),
  /** 'forbidden': the monitor's own reads of this vault's keys get 403, on the data plane and through Resource Manager (an admin's are served). */
  monitorAccess: z.enum(['ok', 'forbidden']).default('ok'),
  /** Name of the Event Grid system topic that exists on this vault already, in the vault's resource group. */
  systemTopic: systemTopicName.optional(),
  /** On that system topic. */
  eventSubscriptions: eventSubscriptionNames,
  /** Names of the diagnostic settings that exist on this vault already (each streams AuditEvent to an Event Hub). */
  diagnosticSettings: z
    .array(z.string().regex(/^[^/\\?#<>%&:*]{1,260}$/, 'expected a diagnostic setting name'))
    .default([]),
});

const policySchema = z.strictObject({
  name: z.string().min(1),
  resourceGroup: resourceGroupName,
  /** The policy's subscription, when it is not the scenario's. */
  subscriptionId: z.guid().optional(),
  location,
  vault: z.string().min(1),
  key: z.string().min(1),
  principalId: z.guid(),
  /** Index into the key's versions: the policy pins that version. */
  pinnedVersion: z.number().int().min(0).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  /**
   * Microsoft's verdict on the policy, `properties.healthStatus`: Undetermined, Healthy, Warning, Unhealthy (any
   * other text is served as it is, as a new value would be). Absent: Healthy.
   */
  healthStatus: z.string().min(1).optional(),
});

/** An enterprise policy outside the CMK chain, which the monitor must leave alone. */
const otherPolicySchema = z.strictObject({
  name: z.string().min(1),
  resourceGroup: resourceGroupName,
  location,
  kind: z.enum(['NetworkInjection', 'Identity', 'Lockbox']),
  /** The policy's subscription, when it is not the scenario's. */
  subscriptionId: z.guid().optional(),
});

const environmentSchema = z.strictObject({
  id: z.guid(),
  displayName: z.string().min(1),
  location,
  sku: z.enum(['Production', 'Sandbox', 'Trial', 'Developer', 'Teams', 'Default']),
  managed: z.boolean(),
  /** Name of the linked policy; null (or absent) when not linked. */
  policy: z.string().min(1).nullable().default(null),
  /**
   * The link's `linkStatus` as the admin API reports it: Linking, LinkingOnline, Linked, Unlinking,
   * UnlinkingOnline, Failed (any other text is served as it is). Absent: Linked. Needs a policy.
   */
  linkStatus: z.string().min(1).optional(),
  /**
   * The environment's `properties.states.runtime.id` as the admin API reports it: Enabled, Disabled (Power Platform
   * shuts an environment down when its key access is revoked, and keeps it down until an admin re-enables it),
   * AdminMode, Warning (any other text is served as it is). Absent: Enabled.
   */
  runtimeState: z.string().min(1).optional(),
  /**
   * The policy the environment was removed from, and when. Not visible in Azure: the sandbox seeds it into
   * the monitor's last inventory, as an earlier scan would have recorded it.
   */
  previousPolicy: z.string().min(1).optional(),
  unlinkedDaysAgo: z.number().min(0).optional(),
});

const roleDefinitionSchema = z.strictObject({
  id: z.guid(),
  roleName: z.string().min(1),
  actions: z.array(z.string()).default([]),
  notActions: z.array(z.string()).default([]),
  dataActions: z.array(z.string()).default([]),
  notDataActions: z.array(z.string()).optional(),
});

/** A role assignment at any ARM scope, such as the roles of whoever deploys the monitor. */
const scopedRoleAssignmentSchema = z.strictObject({
  principalId: z.guid(),
  roleDefinitionId: roleDefinitionId(),
  scope: z
    .string()
    .regex(
      /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\/resourceGroups\/[^/]+(\/providers\/[^/]+\/[^/]+\/[^/]+)*)?$/i,
      "expected an ARM scope: '/subscriptions/<id>', optionally with '/resourceGroups/<name>' and a resource",
    ),
});

/** The Event Grid system topic (type Microsoft.Resources.Subscriptions) that exists on a subscription already. */
const subscriptionTopicSchema = z.strictObject({
  name: systemTopicName,
  resourceGroup: resourceGroupName,
  eventSubscriptions: eventSubscriptionNames,
  /** The subscription it watches and lives in, when it is not the scenario's. */
  subscriptionId: z.guid().optional(),
});

export const scenarioSchema = z
  .strictObject({
    subscriptionId: z.guid(),
    vaults: z.array(vaultSchema),
    policies: z.array(policySchema).default([]),
    otherPolicies: z.array(otherPolicySchema).default([]),
    environments: z.array(environmentSchema).default([]),
    roleDefinitions: z.array(roleDefinitionSchema).optional(),
    roleAssignments: z.array(scopedRoleAssignmentSchema).default([]),
    subscriptionTopics: z.array(subscriptionTopicSchema).default([]),
  })
  .superRefine(checkReferences);

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioVault = Scenario['vaults'][number];
export type ScenarioKey = ScenarioVault['keys'][number];
export type ScenarioKeyVersion = ScenarioKey['versions'][number];
export type ScenarioRoleAssignment = ScenarioVault['roleAssignments'][number];
export type ScenarioPolicy = Scenario['policies'][number];
export type ScenarioEnvironment = Scenario['environments'][number];
export type ScenarioRoleDefinition = NonNullable<Scenario['roleDefinitions']>[number];
export type ScenarioScopedRoleAssignment = Scenario['roleAssignments'][number];

type Path = (string | number)[];

function checkReferences(scenario: Scenario, ctx: z.RefinementCtx): void {
  const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  reportDuplicates(
    scenario.vaults.map((vault) => vault.name.toLowerCase()),
    (i) => issue(['vaults', i, 'name'], 'duplicate vault name'),
  );
  scenario.vaults.forEach((vault, v) => {
    // "The setting is effective only if soft delete is also enabled" (VaultProperties.enablePurgeProtection, same spec).
    if (vault.purgeProtection === true && vault.softDelete === false) {
      issue(
        ['vaults', v, 'purgeProtection'],
        'purge protection needs soft delete: a vault cannot have one without the other',
      );
    }
    if (vault.softDeleteRetentionDays !== undefined && vault.softDelete === false) {
      issue(['vaults', v, 'softDeleteRetentionDays'], 'a retention needs soft delete');
    }
    if (vault.type === 'managedHsm') checkManagedHsm(vault, (field, message) => issue(['vaults', v, field], message));
    if (vault.eventSubscriptions.length > 0 && vault.systemTopic === undefined) {
      issue(['vaults', v, 'eventSubscriptions'], 'event subscriptions need the systemTopic they are on');
    }
    reportDuplicates(
      vault.eventSubscriptions.map(({ name }) => name.toLowerCase()),
      (e) => issue(['vaults', v, 'eventSubscriptions', e], 'duplicate event subscription name on this topic'),
    );
    reportDuplicates(
      vault.keys.map((key) => key.name.toLowerCase()),
      (k) => issue(['vaults', v, 'keys', k, 'name'], 'duplicate key name in this vault'),
    );
    vault.roleAssignments.forEach((assignment, a) => {
      const keyName = assignment.scope.startsWith('key:') ? assignment.scope.slice('key:'.length) : null;
      if (keyName !== null && !vault.keys.some((key) => same(key.name, keyName))) {
        issue(['vaults', v, 'roleAssignments', a, 'scope'], `no key '${keyName}' in vault '${vault.name}'`);
      }
    });
  });

  reportDuplicates(
    scenario.policies.map((policy) => policy.name.toLowerCase()),
    (p) => issue(['policies', p, 'name'], 'duplicate policy name'),
  );
  scenario.otherPolicies.forEach((policy, p) => {
    if (scenario.policies.some((other) => same(other.name, policy.name)))
      issue(['otherPolicies', p, 'name'], 'a policy of policies has this name');
  });
  scenario.policies.forEach((policy, p) => {
    const vault = scenario.vaults.find((candidate) => same(candidate.name, policy.vault));
    if (!vault) return issue(['policies', p, 'vault'], `no vault named '${policy.vault}'`);
    // A policy may name a key that does not exist (a purged key): Azure keeps the policy, the scan says key-missing.
    const key = vault.keys.find((candidate) => same(candidate.name, policy.key));
    if (!key) {
      if (policy.pinnedVersion !== undefined)
        issue(['policies', p, 'pinnedVersion'], `no key '${policy.key}' in vault '${vault.name}' to pin a version of`);
      return;
    }
    if (policy.pinnedVersion !== undefined && policy.pinnedVersion >= key.versions.length) {
      issue(['policies', p, 'pinnedVersion'], `key '${key.name}' has only ${key.versions.length} version(s)`);
    }
  });

  reportDuplicates(
    scenario.environments.map((environment) => environment.id.toLowerCase()),
    (e) => issue(['environments', e, 'id'], 'duplicate environment id'),
  );
  scenario.environments.forEach((environment, e) => {
    const policyName = environment.policy;
    if (policyName !== null && !scenario.policies.some((policy) => same(policy.name, policyName))) {
      issue(['environments', e, 'policy'], `no policy named '${policyName}'`);
    }
    if (environment.linkStatus !== undefined && policyName === null) {
      issue(['environments', e, 'linkStatus'], 'a link status needs a policy');
    }
    const previous = environment.previousPolicy;
    if (previous !== undefined && !scenario.policies.some((policy) => same(policy.name, previous))) {
      issue(['environments', e, 'previousPolicy'], `no policy named '${previous}'`);
    }
    if ((previous === undefined) !== (environment.unlinkedDaysAgo === undefined)) {
      issue(
        ['environments', e, previous === undefined ? 'previousPolicy' : 'unlinkedDaysAgo'],
        'previousPolicy and unlinkedDaysAgo go together',
      );
    }
  });

  reportDuplicates(
    (scenario.roleDefinitions ?? []).map((role) => role.id.toLowerCase()),
    (r) => issue(['roleDefinitions', r, 'id'], 'duplicate role definition id'),
  );
  // ARM refuses an assignment of a role that does not exist (RoleDefinitionDoesNotExist).
  const roles = new Set([
    ...builtInRoles.map((role) => role.guid),
    ...(scenario.roleDefinitions ?? []).map((role) => role.id.toLowerCase()),
  ]);
  const unknownRole = (id: string) => !roles.has(id.split('/').pop()?.toLowerCase() ?? '');
  scenario.vaults.forEach((vault, v) =>
    vault.roleAssignments.forEach((assignment, a) => {
      if (unknownRole(assignment.roleDefinitionId))
        issue(
          ['vaults', v, 'roleAssignments', a, 'roleDefinitionId'],
          `no role definition '${assignment.roleDefinitionId}'`,
        );
    }),
  );
  scenario.roleAssignments.forEach((assignment, a) => {
    if (unknownRole(assignment.roleDefinitionId))
      issue(['roleAssignments', a, 'roleDefinitionId'], `no role definition '${assignment.roleDefinitionId}'`);
  });
  scenario.subscriptionTopics.forEach((topic, t) => {
    reportDuplicates(
      topic.eventSubscriptions.map(({ name }) => name.toLowerCase()),
      (e) =>
        issue(['subscriptionTopics', t, 'eventSubscriptions', e], 'duplicate event subscription name on this topic'),
    );
  });
  reportDuplicates(
    scenario.subscriptionTopics.map((topic) => (topic.subscriptionId ?? scenario.subscriptionId).toLowerCase()),
    (t) =>
      issue(
        ['subscriptionTopics', t, 'subscriptionId'],
        'Azure allows one system topic per source: this subscription has one already',
      ),
  );
}

/**
 * What a Managed HSM cannot have. Its keys' access is its local RBAC (a data-plane setting, not Azure RBAC or access
 * policies); Event Grid has no Managed HSM source, so no system topic; soft delete "is enabled by default for all
 * managed HSMs and is immutable" (ManagedHsmProperties.enableSoftDelete, azure-rest-api-specs
 * specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault).
 */
function checkManagedHsm(vault: Scenario['vaults'][number], issue: (field: string, message: string) => void): void {
  const localRbac = 'access to its keys is its local RBAC, which Resource Manager does not serve';
  if (vault.rbac !== undefined) issue('rbac', `a Managed HSM has no Azure RBAC setting: ${localRbac}`);
  if (vault.accessPolicies.length > 0) issue('accessPolicies', `a Managed HSM has no access policies: ${localRbac}`);
  if (vault.roleAssignments.length > 0)
    issue('roleAssignments', `Azure role assignments grant no Managed HSM key: ${localRbac}`);
  if (vault.systemTopic !== undefined)
    issue('systemTopic', 'a Managed HSM publishes no Event Grid events: it has no system topic');
  if (vault.eventSubscriptions.length > 0)
    issue('eventSubscriptions', 'a Managed HSM publishes no Event Grid events: it has no event subscriptions');
  if (vault.softDelete === false) issue('softDelete', 'soft delete is always on in a Managed HSM');
}

function reportDuplicates(values: string[], report: (index: number) => void): void {
  values.forEach((value, index) => {
    if (values.indexOf(value) !== index) report(index);
  });
}

export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid scenario:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** Validates a parsed JSON scenario; the error names the path of every bad field (e.g. `vaults[0].keys[1].size`). */
export function parseScenario(json: unknown): Scenario {
  const result = scenarioSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ScenarioError(result.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`));
}

export interface MaterializedKeyVersion {
  enabled: boolean;
  createdOn: Date;
  expiresOn: Date | null;
  notBefore: Date | null;
}

export interface MaterializedKey extends Omit<ScenarioKey, 'versions'> {
  versions: MaterializedKeyVersion[];
}

export interface MaterializedVault extends Omit<ScenarioVault, 'keys'> {
  keys: MaterializedKey[];
}

export interface MaterializedScenario extends Omit<Scenario, 'vaults'> {
  now: Date;
  vaults: MaterializedVault[];
}

const dayMs = 24 * 60 * 60 * 1000;

/** Turns the scenario's relative days into absolute dates, as seen at `now`. */
export function materialize(scenario: Scenario, now: Date): MaterializedScenario {
  const daysFromNow = (days: number) => new Date(now.getTime() + days * dayMs);
  const orNull = (days: number | null | undefined) => (days === null || days === undefined ? null : daysFromNow(days));
  return {
    ...scenario,
    now,
    vaults: scenario.vaults.map((vault) => ({
      ...vault,
      keys: vault.keys.map((key) => ({
        ...key,
        versions: key.versions.map((version) => ({
          enabled: version.enabled,
          createdOn: daysFromNow(-version.createdDaysAgo),
          expiresOn: orNull(version.expiresInDays),
          notBefore: orNull(version.notBeforeInDays),
        })),
      })),
    })),
  };
}
