/**
 * The Azure the double serves: vaults, keys, role assignments, policies, environments.
 * The HTTP handlers and the tests change it through the same methods.
 */
import type {
  MaterializedKey,
  MaterializedScenario,
  MaterializedVault,
  PowerPlatformLocation,
  ScenarioRoleAssignment,
  ScenarioScopedRoleAssignment,
} from '../scenario.js';
import { randomUUID } from 'node:crypto';
import { addIsoDuration } from '../isoDuration.js';
import {
  lastSegment,
  newKeyVersion,
  resourceGroupScope,
  roleAssignmentResourceId,
  roleDefinitionResourceId,
  stableGuid,
  stableKeyVersion,
  subscriptionScope,
  vaultResourceId,
  type VaultType,
} from './ids.js';
import { createKeyMaterial, type KeyMaterial } from './keyMaterial.js';
import { azureRegionOf } from './regions.js';
import { builtInRoles, customRole, type RoleDefinition } from './roles.js';

export interface KeyVersionState {
  id: string;
  enabled: boolean;
  createdOn: Date;
  updatedOn: Date;
  notBefore: Date | null;
  expiresOn: Date | null;
  keyOps: string[];
  material: KeyMaterial;
  tags: Record<string, string>;
}

export interface LifetimeAction {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: { type: string };
}

export interface RotationPolicyState {
  expiryTime: string | null;
  lifetimeActions: LifetimeAction[];
  createdOn: Date;
  updatedOn: Date;
}

export interface KeyState {
  name: string;
  kty: string;
  size: number;
  /** In creation order: the last one is the current version. */
  versions: KeyVersionState[];
  rotationPolicy: RotationPolicyState | null;
}

export interface DeletedKeyState {
  key: KeyState;
  deletedOn: Date;
  scheduledPurgeOn: Date;
}

export interface AccessPolicyEntry {
  tenantId: string;
  objectId: string;
  permissions: { keys: string[]; secrets: string[]; certificates: string[] };
}

export interface VaultSettings {
  softDelete: boolean;
  /** Days a deleted key stays recoverable (7 to 90) when soft delete is on. */
  softDeleteRetentionDays: number;
  purgeProtection: boolean;
  rbac: boolean;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  networkDefaultAction: 'Allow' | 'Deny';
  trustedServicesBypass: boolean;
  ipRules: string[];
  virtualNetworkRules: string[];
  accessPolicies: AccessPolicyEntry[];
  /** 'forbidden': the monitor's reads of this vault's keys get 403, on the data plane and through Resource Manager. */
  monitorAccess: 'ok' | 'forbidden';
  sku: string;
  tags: Record<string, string>;
}

/** The vault properties ARM omits while they were never set (the vault then behaves as Azure's default for each). */
export type UnsetVaultProperty =
  'enableSoftDelete' | 'softDeleteRetentionInDays' | 'enableRbacAuthorization' | 'publicNetworkAccess' | 'networkAcls';

export interface VaultState extends VaultSettings {
  /** A Key Vault or a Managed HSM: its ARM type; the data plane serves both alike. */
  type: VaultType;
  /** Which optional ARM properties were never set; writing a setting takes it out. */
  unset: Set<UnsetVaultProperty>;
  subscriptionId: string;
  name: string;
  resourceGroup: string;
  location: string;
  /** Data-plane URI, with a trailing slash, as ARM reports a vault's (a Managed HSM's `hsmUri` comes without it). */
  uri: string;
  /** By lower-cased key name. */
  keys: Map<string, KeyState>;
  deletedKeys: Map<string, DeletedKeyState>;
}

export interface RoleAssignmentState {
  id: string;
  name: string;
  scope: string;
  /** Full id: /subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>, or the tenant form /providers/…. */
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  createdOn: Date;
  updatedOn: Date;
}

export interface PolicyState {
  subscriptionId: string;
  name: string;
  resourceGroup: string;
  location: PowerPlatformLocation;
  /** ARM id of the vault the policy points at (kept when the vault is deleted). */
  vaultId: string;
  vaultName: string;
  keyName: string;
  /** The pinned key version, or null to follow the current one. */
  keyVersion: string | null;
  principalId: string;
  tags: Record<string, string>;
  /** The GUID at the end of the policy's systemId. */
  systemGuid: string;
  /** `properties.healthStatus`, Microsoft's verdict on the policy. */
  healthStatus: string;
}

/** An enterprise policy of another kind than Encryption. */
export interface OtherPolicyState {
  subscriptionId: string;
  name: string;
  resourceGroup: string;
  location: PowerPlatformLocation;
  kind: 'NetworkInjection' | 'Identity' | 'Lockbox';
  systemGuid: string;
  principalId: string;
}

/** An Event Grid system topic: Azure allows one per source. */
export interface SystemTopicState {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** ARM id of the resource (or subscription) whose events it carries. */
  source: string;
  topicType: 'Microsoft.KeyVault.vaults' | 'Microsoft.Resources.Subscriptions';
  /** Names of the event subscriptions on it. */
  eventSubscriptions: string[];
  /** The function of the monitor's function app an event subscription delivers to, by its lower-cased name; absent when not modelled. */
  destinations: Map<string, string>;
}

export interface DiagnosticSettingState {
  /** The resource the setting is on, as it was written. */
  resourceId: string;
  name: string;
  properties: Record<string, unknown>;
}

export interface EnvironmentState {
  id: string;
  displayName: string;
  location: PowerPlatformLocation;
  sku: string;
  managed: boolean;
  policyName: string | null;
  /** The link's `linkStatus`, when linked. */
  linkStatus: string;
  /** `properties.states.runtime.id`: whether Power Platform runs the environment (Enabled, Disabled, …). */
  runtimeState: string;
}

export interface NewKeyVersion {
  kty?: string;
  size?: number;
  keyOps?: string[];
  enabled?: boolean;
  notBefore?: Date | null;
  /** Absent: from the key's rotation policy expiry, if any. */
  expiresOn?: Date | null;
  tags?: Record<string, string>;
}

export type KeyVersionPatch = Partial<Pick<KeyVersionState, 'enabled' | 'notBefore' | 'expiresOn' | 'keyOps' | 'tags'>>;

/** A key version by id, or by its index in creation order (scenario order for scenario keys). */
export type KeyVersionRef = string | number;

export interface NewRoleAssignment {
  scope: string;
  /** Role definition GUID or full id. */
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  /** The assignment GUID; a new one when absent. */
  name?: string;
}

/** What a mutator of DoubleState changed, published synchronously to `onChange` listeners after the change. */
export type DoubleChange =
  | { kind: 'keyVersionCreated'; vault: VaultState; keyName: string; version: KeyVersionState }
  | { kind: 'keyVersionUpdated'; vault: VaultState; keyName: string; version: KeyVersionState }
  | { kind: 'keyDeleted'; vault: VaultState; keyName: string }
  | { kind: 'keyRecovered'; vault: VaultState; keyName: string }
  | { kind: 'rotationPolicyUpdated'; vault: VaultState; keyName: string }
  | { kind: 'vaultWritten'; vault: VaultState; accessPoliciesChanged: boolean }
  | { kind: 'vaultDeleted'; vaultId: string; vaultName: string }
  | { kind: 'roleAssignmentWritten'; assignment: RoleAssignmentState }
  | { kind: 'roleAssignmentDeleted'; assignment: RoleAssignmentState };

export type DoubleChangeListener = (change: DoubleChange) => void;

const defaultKeyOps = {
  RSA: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'],
  EC: ['sign', 'verify'],
};
const defaultNotifyBefore = 'P30D';
export const defaultSoftDeleteRetentionDays = 90;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * Fields a test can make the double leave out of every response, to play a tenant whose responses lack what the
 * monitor reads: the environments' policy links (even when expanded), the policies' identity.
 */
export type OmittedField = 'environment.properties.enterprisePolicies' | 'enterprisePolicy.identity';

export class DoubleState {
  /** Fields left out of every response (see OmittedField). */
  readonly omitted = new Set<OmittedField>();
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly vaults = new Map<string, VaultState>();
  readonly roleAssignments: RoleAssignmentState[] = [];
  readonly roleDefinitions = new Map<string, RoleDefinition>();
  readonly policies: PolicyState[];
  readonly otherPolicies: OtherPolicyState[];
  readonly environments: EnvironmentState[];
  readonly systemTopics: SystemTopicState[] = [];
  /** Diagnostic settings by `<resource id>|<name>`, lower-cased: what Microsoft.Insights keeps for each resource. */
  readonly diagnosticSettings = new Map<string, DiagnosticSettingState>();
  /** Lower-cased ids of the subscriptions the tenant has; ARM answers SubscriptionNotFound for any other. */
  private readonly subscriptionIds = new Set<string>();
  /** Lower-cased `<subscription>/<resource group>` of the resource groups that exist. */
  private readonly resourceGroups = new Set<string>();
  private readonly clock: () => Date;
  private readonly listeners = new Set<DoubleChangeListener>();

  constructor(
    world: MaterializedScenario,
    options: { tenantId: string; vaultUris: Record<string, string>; clock: () => Date },
  ) {
    this.subscriptionId = world.subscriptionId;
    this.tenantId = options.tenantId;
    this.clock = options.clock;
    for (const role of [...builtInRoles, ...(world.roleDefinitions ?? []).map(customRole)]) {
      this.roleDefinitions.set(role.guid, role);
    }
    this.subscriptionIds.add(world.subscriptionId.toLowerCase());
    for (const vault of world.vaults) {
      const uri = options.vaultUris[vault.name];
      if (uri === undefined) throw new Error(`No endpoint for vault ${vault.name}`);
      const location = world.policies.find((policy) => same(policy.vault, vault.name))?.location;
      const state = this.vaultFromScenario(
        vault,
        vault.subscriptionId ?? world.subscriptionId,
        uri,
        location ? azureRegionOf[location] : 'eastus',
      );
      this.vaults.set(vault.name.toLowerCase(), state);
      this.addResourceGroup(state.subscriptionId, state.resourceGroup);
      vault.roleAssignments.forEach((assignment, index) =>
        this.roleAssignments.push(this.assignmentFromScenario(state, assignment, index)),
      );
      if (vault.systemTopic)
        this.systemTopics.push(vaultTopic(state, vault.systemTopic, this.vaultId(state), vault.eventSubscriptions));
      for (const name of vault.diagnosticSettings) {
        this.putDiagnosticSetting(this.vaultId(state), name, {
          logs: [{ category: 'AuditEvent', enabled: true }],
          eventHubName: 'keyvault-audit',
        });
      }
    }
    world.roleAssignments.forEach((assignment, index) =>
      this.roleAssignments.push(this.scopedAssignmentFromScenario(assignment, index)),
    );
    for (const topic of world.subscriptionTopics) {
      const subscriptionId = topic.subscriptionId ?? world.subscriptionId;
      this.addResourceGroup(subscriptionId, topic.resourceGroup);
      this.systemTopics.push({
        subscriptionId,
        resourceGroup: topic.resourceGroup,
        name: topic.name,
        location: 'global',
        source: subscriptionScope(subscriptionId),
        topicType: 'Microsoft.Resources.Subscriptions',
        ...eventSubscriptionsOf(topic.eventSubscriptions),
      });
    }
    this.policies = world.policies.map((policy) => {
      const vault = this.requireVault(policy.vault);
      // A policy may name a key that does not exist (purged, or never created): Azure keeps the name it was given.
      const key = this.key(policy.vault, policy.key);
      const subscriptionId = policy.subscriptionId ?? world.subscriptionId;
      this.addResourceGroup(subscriptionId, policy.resourceGroup);
      return {
        subscriptionId,
        name: policy.name,
        resourceGroup: policy.resourceGroup,
        location: policy.location,
        vaultId: this.vaultId(vault),
        vaultName: vault.name,
        keyName: key?.name ?? policy.key,
        keyVersion:
          policy.pinnedVersion === undefined || !key ? null : (key.versions[policy.pinnedVersion]?.id ?? null),
        principalId: policy.principalId,
        tags: policy.tags ?? {},
        systemGuid: stableGuid(
          `enterprise-policy:${subscriptionId}/${policy.resourceGroup}/${policy.name}`.toLowerCase(),
        ),
        healthStatus: policy.healthStatus ?? 'Healthy',
      };
    });
    this.otherPolicies = world.otherPolicies.map((policy) => {
      const subscriptionId = policy.subscriptionId ?? world.subscriptionId;
      this.addResourceGroup(subscriptionId, policy.resourceGroup);
      const seed = `enterprise-policy:${subscriptionId}/${policy.resourceGroup}/${policy.name}`.toLowerCase();
      return { ...policy, subscriptionId, systemGuid: stableGuid(seed), principalId: stableGuid(`identity:${seed}`) };
    });
    this.environments = world.environments.map((environment) => ({
      id: environment.id,
      displayName: environment.displayName,
      location: environment.location,
      sku: environment.sku,
      managed: environment.managed,
      policyName: environment.policy,
      linkStatus: environment.linkStatus ?? 'Linked',
      runtimeState: environment.runtimeState ?? 'Enabled',
    }));
  }

  now(): Date {
    return this.clock();
  }

  /** Calls the listener after every change a mutator makes (not for the scenario's seeding); returns the unsubscribe. */
  onChange(listener: DoubleChangeListener): () => void {
    const entry: DoubleChangeListener = (change) => listener(change);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  vault(name: string): VaultState | undefined {
    return this.vaults.get(name.toLowerCase());
  }

  vaultId(vault: VaultState): string {
    return vaultResourceId(vault.subscriptionId, vault.resourceGroup, vault.name, vault.type);
  }

  hasSubscription(subscriptionId: string): boolean {
    return this.subscriptionIds.has(subscriptionId.toLowerCase());
  }

  hasResourceGroup(subscriptionId: string, resourceGroup: string): boolean {
    return this.resourceGroups.has(`${subscriptionId}/${resourceGroup}`.toLowerCase());
  }

  key(vaultName: string, keyName: string): KeyState | undefined {
    return this.vault(vaultName)?.keys.get(keyName.toLowerCase());
  }

  /** Version ids of a key in creation order (for a scenario key: the order the scenario lists them). */
  versionIds(vaultName: string, keyName: string): string[] {
    return this.requireKey(vaultName, keyName).versions.map((version) => version.id);
  }

  accessPolicy(objectId: string, keys: string[]): AccessPolicyEntry {
    return { tenantId: this.tenantId, objectId, permissions: { keys, secrets: [], certificates: [] } };
  }

  setVault(name: string, patch: Partial<VaultSettings>): VaultState {
    const vault = this.requireVault(name);
    const rbacBefore = vault.rbac;
    Object.assign(vault, patch);
    if (patch.softDelete !== undefined) vault.unset.delete('enableSoftDelete');
    if (patch.softDeleteRetentionDays !== undefined) vault.unset.delete('softDeleteRetentionInDays');
    if (patch.rbac !== undefined) vault.unset.delete('enableRbacAuthorization');
    if (patch.publicNetworkAccess !== undefined) vault.unset.delete('publicNetworkAccess');
    const network = [patch.networkDefaultAction, patch.trustedServicesBypass, patch.ipRules, patch.virtualNetworkRules];
    if (network.some((setting) => setting !== undefined)) vault.unset.delete('networkAcls');
    this.notify({
      kind: 'vaultWritten',
      vault,
      accessPoliciesChanged: patch.accessPolicies !== undefined || vault.rbac !== rbacBefore,
    });
    return vault;
  }

  /** A new Key Vault, in the scenario's subscription unless `init` names another. */
  addVault(
    init: Pick<VaultState, 'name' | 'resourceGroup' | 'location' | 'uri'> &
      Partial<VaultSettings> & { subscriptionId?: string },
  ): VaultState {
    const vault: VaultState = {
      type: 'vault',
      subscriptionId: this.subscriptionId,
      softDelete: true,
      softDeleteRetentionDays: defaultSoftDeleteRetentionDays,
      purgeProtection: false,
      rbac: true,
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
      ipRules: [],
      virtualNetworkRules: [],
      accessPolicies: [],
      monitorAccess: 'ok',
      sku: 'standard',
      tags: {},
      ...init,
      unset: new Set(),
      keys: new Map(),
      deletedKeys: new Map(),
    };
    this.vaults.set(vault.name.toLowerCase(), vault);
    this.addResourceGroup(vault.subscriptionId, vault.resourceGroup);
    this.notify({ kind: 'vaultWritten', vault, accessPoliciesChanged: init.accessPolicies !== undefined });
    return vault;
  }

  /** The vault disappears from ARM; its data plane answers 404 from then on. */
  deleteVault(name: string): boolean {
    const vault = this.vault(name);
    if (!vault) return false;
    this.vaults.delete(name.toLowerCase());
    this.notify({ kind: 'vaultDeleted', vaultId: this.vaultId(vault), vaultName: vault.name });
    return true;
  }

  /** A new current version of the key; creates the key when it does not exist. */
  createKeyVersion(vaultName: string, keyName: string, init: NewKeyVersion = {}): KeyVersionState {
    const vault = this.requireVault(vaultName);
    if (vault.deletedKeys.has(keyName.toLowerCase()))
      throw new Error(`Key ${keyName} is deleted in vault ${vault.name}`);
    const existing = vault.keys.get(keyName.toLowerCase());
    const kty = init.kty ?? existing?.kty ?? 'RSA';
    const size = init.size ?? existing?.size ?? (kty.startsWith('EC') ? 256 : 2048);
    const key: KeyState = existing ?? { name: keyName, kty, size, versions: [], rotationPolicy: null };
    const now = this.clock();
    const expiryTime = key.rotationPolicy?.expiryTime;
    const version: KeyVersionState = {
      id: newKeyVersion(),
      enabled: init.enabled ?? true,
      createdOn: now,
      updatedOn: now,
      notBefore: init.notBefore ?? null,
      expiresOn: init.expiresOn !== undefined ? init.expiresOn : expiryTime ? addIsoDuration(now, expiryTime) : null,
      keyOps: init.keyOps ?? defaultKeyOpsFor(kty),
      material: createKeyMaterial(kty, size),
      tags: init.tags ?? {},
    };
    key.kty = kty;
    key.size = size;
    key.versions.push(version);
    vault.keys.set(keyName.toLowerCase(), key);
    this.notify({ kind: 'keyVersionCreated', vault, keyName: key.name, version });
    return version;
  }

  updateKeyVersion(
    vaultName: string,
    keyName: string,
    ref: KeyVersionRef | undefined,
    patch: KeyVersionPatch,
  ): KeyVersionState {
    const key = this.requireKey(vaultName, keyName);
    const version = Object.assign(this.requireKeyVersion(vaultName, keyName, ref), patch, { updatedOn: this.clock() });
    this.notify({ kind: 'keyVersionUpdated', vault: this.requireVault(vaultName), keyName: key.name, version });
    return version;
  }

  disableKeyVersion(vaultName: string, keyName: string, ref: KeyVersionRef): KeyVersionState {
    return this.updateKeyVersion(vaultName, keyName, ref, { enabled: false });
  }

  /** Soft-deletes the key (when the vault has soft delete) or removes it for good. */
  deleteKey(vaultName: string, keyName: string): DeletedKeyState {
    const vault = this.requireVault(vaultName);
    const key = this.requireKey(vaultName, keyName);
    const deletedOn = this.clock();
    const deleted = {
      key,
      deletedOn,
      scheduledPurgeOn: new Date(deletedOn.getTime() + vault.softDeleteRetentionDays * dayMs),
    };
    vault.keys.delete(key.name.toLowerCase());
    if (vault.softDelete) vault.deletedKeys.set(key.name.toLowerCase(), deleted);
    this.notify({ kind: 'keyDeleted', vault, keyName: key.name });
    return deleted;
  }

  /** Brings a soft-deleted key back with every version; undefined when the vault holds no such deleted key. */
  recoverKey(vaultName: string, keyName: string): KeyState | undefined {
    const vault = this.requireVault(vaultName);
    const deleted = vault.deletedKeys.get(keyName.toLowerCase());
    if (!deleted) return undefined;
    vault.deletedKeys.delete(keyName.toLowerCase());
    vault.keys.set(keyName.toLowerCase(), deleted.key);
    this.notify({ kind: 'keyRecovered', vault, keyName: deleted.key.name });
    return deleted.key;
  }

  setRotationPolicy(
    vaultName: string,
    keyName: string,
    policy: Pick<RotationPolicyState, 'expiryTime' | 'lifetimeActions'>,
  ): RotationPolicyState {
    const key = this.requireKey(vaultName, keyName);
    const now = this.clock();
    const rotationPolicy = { ...policy, createdOn: key.rotationPolicy?.createdOn ?? now, updatedOn: now };
    key.rotationPolicy = rotationPolicy;
    this.notify({ kind: 'rotationPolicyUpdated', vault: this.requireVault(vaultName), keyName: key.name });
    return rotationPolicy;
  }

  systemTopic(subscriptionId: string, resourceGroup: string, name: string): SystemTopicState | undefined {
    return this.systemTopics.find(
      (topic) =>
        same(topic.subscriptionId, subscriptionId) &&
        same(topic.resourceGroup, resourceGroup) &&
        same(topic.name, name),
    );
  }

  /** False when the topic has no event subscription of that name. */
  deleteEventSubscription(topic: SystemTopicState, name: string): boolean {
    const index = topic.eventSubscriptions.findIndex((existing) => same(existing, name));
    if (index < 0) return false;
    topic.destinations.delete(topic.eventSubscriptions[index]?.toLowerCase() ?? '');
    topic.eventSubscriptions.splice(index, 1);
    return true;
  }

  roleDefinition(guidOrId: string): RoleDefinition | undefined {
    return this.roleDefinitions.get(lastSegment(guidOrId).toLowerCase());
  }

  roleAssignment(idOrName: string): RoleAssignmentState | undefined {
    const wanted = idOrName.toLowerCase();
    return this.roleAssignments.find(
      (assignment) => assignment.id.toLowerCase() === wanted || assignment.name.toLowerCase() === wanted,
    );
  }

  /** Creates the assignment, or replaces the one with the same scope and name. */
  putRoleAssignment(init: NewRoleAssignment): RoleAssignmentState {
    const name = (init.name ?? randomUUID()).toLowerCase();
    const id = roleAssignmentResourceId(init.scope, name);
    const now = this.clock();
    const previous = this.roleAssignment(id);
    const assignment: RoleAssignmentState = {
      id,
      name,
      scope: init.scope,
      roleDefinitionId: roleDefinitionResourceId(
        subscriptionOf(init.scope) ?? this.subscriptionId,
        lastSegment(init.roleDefinitionId).toLowerCase(),
      ),
      principalId: init.principalId,
      principalType: init.principalType ?? 'ServicePrincipal',
      createdOn: previous?.createdOn ?? now,
      updatedOn: now,
    };
    if (previous) this.roleAssignments.splice(this.roleAssignments.indexOf(previous), 1, assignment);
    else this.roleAssignments.push(assignment);
    this.notify({ kind: 'roleAssignmentWritten', assignment });
    return assignment;
  }

  /** By full id or by assignment GUID; undefined when there is none. */
  deleteRoleAssignment(idOrName: string): RoleAssignmentState | undefined {
    const assignment = this.roleAssignment(idOrName);
    if (!assignment) return undefined;
    this.roleAssignments.splice(this.roleAssignments.indexOf(assignment), 1);
    this.notify({ kind: 'roleAssignmentDeleted', assignment });
    return assignment;
  }

  diagnosticSetting(resourceId: string, name: string): DiagnosticSettingState | undefined {
    return this.diagnosticSettings.get(`${resourceId}|${name}`.toLowerCase());
  }

  putDiagnosticSetting(resourceId: string, name: string, properties: Record<string, unknown>): DiagnosticSettingState {
    const setting = { resourceId, name, properties };
    this.diagnosticSettings.set(`${resourceId}|${name}`.toLowerCase(), setting);
    return setting;
  }

  deleteDiagnosticSetting(resourceId: string, name: string): boolean {
    return this.diagnosticSettings.delete(`${resourceId}|${name}`.toLowerCase());
  }

  policy(name: string): PolicyState | undefined {
    return this.policies.find((policy) => same(policy.name, name));
  }

  environment(id: string): EnvironmentState | undefined {
    return this.environments.find((environment) => same(environment.id, id));
  }

  /** Links the environment to a policy, or unlinks it (null). */
  setEnvironmentPolicy(environmentId: string, policyName: string | null): EnvironmentState {
    const environment = this.environment(environmentId);
    if (!environment) throw new Error(`No environment ${environmentId}`);
    if (policyName !== null && !this.policy(policyName)) throw new Error(`No policy ${policyName}`);
    environment.policyName = policyName;
    environment.linkStatus = 'Linked';
    return environment;
  }

  /**
   * What Power Platform reports of the environment's runtime: `Disabled` as it shuts an environment down when its key
   * access is revoked, `Enabled` once an admin re-enables it (learn.microsoft.com/power-platform/admin/cmk-lock-unlock).
   * Power Platform raises no Event Grid event for either.
   */
  setEnvironmentRuntimeState(environmentId: string, runtimeState: string): EnvironmentState {
    const environment = this.environment(environmentId);
    if (!environment) throw new Error(`No environment ${environmentId}`);
    environment.runtimeState = runtimeState;
    return environment;
  }

  requireVault(name: string): VaultState {
    const vault = this.vault(name);
    if (!vault) throw new Error(`No vault ${name}`);
    return vault;
  }

  requireKey(vaultName: string, keyName: string): KeyState {
    const key = this.key(vaultName, keyName);
    if (!key) throw new Error(`No key ${keyName} in vault ${vaultName}`);
    return key;
  }

  requireKeyVersion(vaultName: string, keyName: string, ref: KeyVersionRef | undefined): KeyVersionState {
    const key = this.requireKey(vaultName, keyName);
    const version =
      ref === undefined
        ? key.versions.at(-1)
        : typeof ref === 'number'
          ? key.versions[ref]
          : key.versions.find((candidate) => candidate.id === ref.toLowerCase());
    if (!version) throw new Error(`No version ${String(ref)} of key ${keyName} in vault ${vaultName}`);
    return version;
  }

  /** A failing listener must not fail the mutator: the change has happened. */
  private notify(change: DoubleChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        console.error(`DoubleState listener failed on ${change.kind}:`, error);
      }
    }
  }

  private addResourceGroup(subscriptionId: string, resourceGroup: string): void {
    this.subscriptionIds.add(subscriptionId.toLowerCase());
    this.resourceGroups.add(`${subscriptionId}/${resourceGroup}`.toLowerCase());
  }

  private vaultFromScenario(
    vault: MaterializedVault,
    subscriptionId: string,
    uri: string,
    location: string,
  ): VaultState {
    return {
      type: vault.type,
      subscriptionId,
      name: vault.name,
      resourceGroup: vault.resourceGroup,
      location,
      uri,
      // Azure's behaviour for what the scenario leaves unset: see the vault schema in ../scenario.ts.
      softDelete: vault.softDelete ?? true,
      softDeleteRetentionDays: vault.softDeleteRetentionDays ?? defaultSoftDeleteRetentionDays,
      purgeProtection: vault.purgeProtection ?? false,
      rbac: vault.rbac ?? false,
      publicNetworkAccess: vault.publicNetworkAccess ?? 'Enabled',
      networkDefaultAction: vault.networkDefaultAction ?? 'Allow',
      trustedServicesBypass: vault.trustedServicesBypass ?? true,
      unset: new Set<UnsetVaultProperty>([
        ...(vault.softDelete === undefined ? (['enableSoftDelete'] as const) : []),
        ...(vault.softDelete === undefined && vault.softDeleteRetentionDays === undefined
          ? (['softDeleteRetentionInDays'] as const)
          : []),
        ...(vault.rbac === undefined ? (['enableRbacAuthorization'] as const) : []),
        ...(vault.publicNetworkAccess === undefined ? (['publicNetworkAccess'] as const) : []),
        ...(vault.networkDefaultAction === undefined && vault.trustedServicesBypass === undefined
          ? (['networkAcls'] as const)
          : []),
      ]),
      ipRules: [],
      virtualNetworkRules: [],
      accessPolicies: vault.accessPolicies.map((entry) => this.accessPolicy(entry.objectId, entry.keys)),
      monitorAccess: vault.monitorAccess,
      // ManagedHsm_Get.json: `"sku": { "name": "Standard_B1", "family": "B" }`.
      sku: vault.type === 'managedHsm' ? 'Standard_B1' : 'standard',
      tags: {},
      keys: new Map(vault.keys.map((key) => [key.name.toLowerCase(), this.keyFromScenario(vault.name, key)])),
      deletedKeys: new Map(),
    };
  }

  private keyFromScenario(vaultName: string, key: MaterializedKey): KeyState {
    const created = key.versions[0]?.createdOn ?? this.clock();
    return {
      name: key.name,
      kty: key.kty,
      size: key.size,
      versions: key.versions.map((version, index) => ({
        id: stableKeyVersion(`${vaultName}/${key.name}/${index}`.toLowerCase()),
        enabled: version.enabled,
        createdOn: version.createdOn,
        updatedOn: version.createdOn,
        notBefore: version.notBefore,
        expiresOn: version.expiresOn,
        keyOps: defaultKeyOpsFor(key.kty),
        material: createKeyMaterial(key.kty, key.size),
        tags: {},
      })),
      rotationPolicy: key.rotationPolicy
        ? {
            expiryTime: key.rotationPolicy.expiresAfter ?? null,
            lifetimeActions: [
              {
                trigger: { timeBeforeExpiry: key.rotationPolicy.notifyBefore ?? defaultNotifyBefore },
                action: { type: 'Notify' },
              },
            ],
            createdOn: created,
            updatedOn: created,
          }
        : null,
    };
  }

  private assignmentFromScenario(
    vault: VaultState,
    assignment: ScenarioRoleAssignment,
    index: number,
  ): RoleAssignmentState {
    const vaultId = this.vaultId(vault);
    const scope =
      assignment.scope === 'vault'
        ? vaultId
        : assignment.scope === 'resourceGroup'
          ? resourceGroupScope(vault.subscriptionId, vault.resourceGroup)
          : assignment.scope === 'subscription'
            ? subscriptionScope(vault.subscriptionId)
            : `${vaultId}/keys/${assignment.scope.slice('key:'.length)}`;
    return this.seededAssignment(scope, assignment, `role-assignment:${vault.name}:${index}`);
  }

  private scopedAssignmentFromScenario(assignment: ScenarioScopedRoleAssignment, index: number): RoleAssignmentState {
    const [, subscriptionId = '', resourceGroup] =
      /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i.exec(assignment.scope) ?? [];
    if (resourceGroup) this.addResourceGroup(subscriptionId, resourceGroup);
    else this.subscriptionIds.add(subscriptionId.toLowerCase());
    return this.seededAssignment(assignment.scope, assignment, `role-assignment:${assignment.scope}:${index}`);
  }

  /**
   * ARM lists `roleDefinitionId` in the subscription form or in the tenant form
   * `/providers/Microsoft.Authorization/roleDefinitions/<guid>` (Azure/azure-rest-api-specs
   * specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/examples/
   * RoleAssignments_ListForScope.json): a scenario that writes the tenant form gets it back as written.
   */
  private seededAssignment(
    scope: string,
    assignment: { principalId: string; roleDefinitionId: string },
    seed: string,
  ): RoleAssignmentState {
    const name = stableGuid(seed.toLowerCase());
    const created = new Date(this.clock().getTime() - 30 * dayMs);
    const roleGuid = lastSegment(assignment.roleDefinitionId).toLowerCase();
    return {
      id: roleAssignmentResourceId(scope, name),
      name,
      scope,
      roleDefinitionId: assignment.roleDefinitionId.startsWith('/providers/')
        ? `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`
        : roleDefinitionResourceId(subscriptionOf(scope) ?? this.subscriptionId, roleGuid),
      principalId: assignment.principalId,
      principalType: 'ServicePrincipal',
      createdOn: created,
      updatedOn: created,
    };
  }
}

function eventSubscriptionsOf(
  items: { name: string; function: string | null }[],
): Pick<SystemTopicState, 'eventSubscriptions' | 'destinations'> {
  return {
    eventSubscriptions: items.map(({ name }) => name),
    destinations: new Map(
      items.flatMap((item) => (item.function ? [[item.name.toLowerCase(), item.function] as const] : [])),
    ),
  };
}

function vaultTopic(
  vault: VaultState,
  name: string,
  vaultId: string,
  eventSubscriptions: { name: string; function: string | null }[],
): SystemTopicState {
  return {
    subscriptionId: vault.subscriptionId,
    resourceGroup: vault.resourceGroup,
    name,
    location: vault.location,
    source: vaultId,
    topicType: 'Microsoft.KeyVault.vaults',
    ...eventSubscriptionsOf(eventSubscriptions),
  };
}

function subscriptionOf(scope: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
}

function defaultKeyOpsFor(kty: string): string[] {
  return [...(kty.startsWith('EC') ? defaultKeyOps.EC : defaultKeyOps.RSA)];
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
