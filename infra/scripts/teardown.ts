/**
 * `npm run infra:teardown` (azd predown): removes what the monitor's deployment left outside its resource group,
 * which `azd down` does not delete: every role assignment of the monitor's identity (MONITOR_PRINCIPAL_ID) in the
 * policy and vault subscriptions and the subscription of SMTP_VAULT_ID, its entries in the access policies of the
 * vaults, the environment's `cmk-monitor-<environment>` event subscription on each vault's and each vault subscription's Event Grid system
 * topic (the topics stay: they may have existed before, and cost nothing empty), and its `cmk-monitor-<environment>`
 * diagnostic setting on each vault (AUDIT_LOGS), which would go on streaming to the Event Hub `azd down` deletes. The vaults and topics are read live,
 * as infra:vaults lists them, together with those the azd environment last deployed (MONITORED_VAULTS,
 * VAULT_SUBSCRIPTIONS). Prints one line per thing removed; a second run removes nothing. What it cannot remove or
 * cannot look for, it lists with its scope after trying everything else, and exits 1. Once everything is removed, it
 * lists what it leaves on purpose, so an administrator knows what stays and how to remove it: the system topics (those
 * that existed before the monitor, untouched, and those it created, which other subscriptions may use), the
 * monitor's Power Platform management-application registration, the mail sender's custom role definition, role
 * assignments above a subscription, and everything of the vaults that was never the monitor's.
 */
import { AuthorizationManagementClient, type RoleAssignment } from '@azure/arm-authorization';
import { KeyVaultManagementClient, type AccessPolicyEntry, type Vault } from '@azure/arm-keyvault';
import { ServiceClient } from '@azure/core-client';
import type { TokenCredential } from '@azure/core-auth';
import { createPipelineRequest, RestError, type PipelineResponse } from '@azure/core-rest-pipeline';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseKeyVaultId } from '../../shared/domain/resourceIds.js';
import {
  distinctIds,
  distinctVaults,
  listPolicies,
  listSystemTopics,
  readVault,
  systemTopicsApiVersion,
  topicOf,
  topicTypes,
  type ListedVault,
  type SystemTopic,
} from './armInventory.js';
import {
  armEndpoint,
  armReader,
  failure,
  guid,
  jsonSetting,
  monitoredVault,
  readSettings,
  run,
  subscriptionIds,
  vaultSubscription,
} from './deployInputs.js';

const script = 'infra:teardown';
const deletionTimeoutMs = 10 * 60_000;
/** Microsoft.Insights diagnostic settings (infra/events/auditDiagnostics.bicep). */
const diagnosticSettingsApiVersion = '2021-05-01-preview';
const defaultPollSeconds = 5;

const roleNames: Record<string, string> = {
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '21090545-7ca7-4776-b22c-e363652d74d2': 'Key Vault Reader',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
};

const principal = z.object({
  MONITOR_PRINCIPAL_ID: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined)
    .pipe(z.string().regex(guid, "must be the principal id (GUID) of the monitor's identity").optional()),
});

const settings = z.object({
  AZURE_ENV_NAME: z
    .string({ message: 'is not set: azd sets it to the environment being taken down' })
    .trim()
    .min(1, 'is empty'),
  POLICY_SUBSCRIPTION_IDS: subscriptionIds,
  AZURE_TENANT_ID: z
    .string({ message: 'is not set: the deployment writes it (azd env get-value AZURE_TENANT_ID)' })
    .trim()
    .regex(guid, 'must be a tenant id (GUID)'),
  MONITORED_VAULTS: jsonSetting(z.array(monitoredVault)).optional(),
  VAULT_SUBSCRIPTIONS: jsonSetting(z.array(vaultSubscription)).optional(),
  SMTP_VAULT_ID: z
    .string()
    .trim()
    .optional()
    .refine((id) => !id || parseKeyVaultId(id) !== null, 'must be empty or the ARM id of a Key Vault'),
  ARM_ENDPOINT: armEndpoint,
  // Only named in the list of what stays; the deployment writes them (outputs, and azd's own values).
  MONITOR_CLIENT_ID: z.string().trim().optional(),
  AZURE_SUBSCRIPTION_ID: z.string().trim().optional(),
  AZURE_RESOURCE_GROUP: z.string().trim().optional(),
  AZURE_LOCATION: z.string().trim().optional(),
  MAIL_TRANSPORT: z.string().trim().optional(),
});

const operationStatus = z.object({
  status: z.string(),
  error: z.object({ code: z.string().optional(), message: z.string().optional() }).nullish(),
});

/** What the run found it could not remove or could not look for, each starting with its scope. */
const left: string[] = [];
/** What the run leaves on purpose, each starting with its scope: listed once everything else is removed. */
const kept: string[] = [];
let removed = 0;

await run(script, async () => {
  const { MONITOR_PRINCIPAL_ID: principalId } = readSettings(principal, process.env);
  if (!principalId) {
    say(
      'MONITOR_PRINCIPAL_ID is not set: this environment was never provisioned, so the monitor left nothing outside its resource group.',
    );
    return;
  }
  const input = readSettings(settings, process.env);
  const eventSubscriptionName = eventSubscriptionOf(input.AZURE_ENV_NAME);
  const endpoint = input.ARM_ENDPOINT;
  const { arm, credential } = armReader(endpoint);
  const requests = new ServiceClient({ credential, credentialScopes: [`${endpoint}/.default`] });

  const policyVaults: ListedVault[] = [];
  for (const subscriptionId of input.POLICY_SUBSCRIPTION_IDS) {
    try {
      policyVaults.push(...distinctVaults(await listPolicies(arm, endpoint, subscriptionId, note), note));
    } catch (error) {
      leave(`/subscriptions/${subscriptionId}`, `${message(error)}: the vaults its policies use were not looked at`);
    }
  }
  const deployedVaults = (input.MONITORED_VAULTS ?? []).flatMap((vault) => {
    const parsed = parseKeyVaultId(vault.id);
    return parsed ? [{ ...parsed, id: vault.id }] : [];
  });
  const vaults = [
    ...new Map([...policyVaults, ...deployedVaults].map((vault) => [vault.id.toLowerCase(), vault] as const)).values(),
  ];
  const vaultSubscriptions = distinctIds([
    ...vaults.map((vault) => vault.subscriptionId),
    ...(input.VAULT_SUBSCRIPTIONS ?? []).map((entry) => entry.subscriptionId),
  ]);

  const topics: Topic[] = [];
  for (const subscriptionId of vaultSubscriptions) {
    let listed: SystemTopic[];
    try {
      listed = await listSystemTopics(arm, endpoint, subscriptionId, note);
    } catch (error) {
      leave(
        `/subscriptions/${subscriptionId}`,
        `${message(error)}: its ${eventSubscriptionName} event subscriptions were not looked for`,
      );
      continue;
    }
    const inSubscription = vaults.filter(
      (vault) => vault.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
    );
    topics.push(
      ...inSubscription.map((vault) => ({
        id: topicOf(listed, topicTypes.vault, vault.id),
        source: vault.id,
        createdName: `cmk-${vault.name}`,
      })),
    );
    const subscription = `/subscriptions/${subscriptionId}`;
    topics.push({
      id: topicOf(listed, topicTypes.subscription, subscription),
      source: subscription,
      createdName: `cmk-arm-${subscriptionId}`,
    });
  }
  const foundTopics = distinctIds(topics.map((topic) => topic.id).filter(Boolean)).map((id) =>
    topics.find((topic) => same(topic.id, id))!,
  );
  await inOrder(
    foundTopics.map((topic) => topic.id),
    (topicId) => deleteEventSubscription(requests, endpoint, topicId, eventSubscriptionName),
  );

  await inOrder(vaults, (vault) =>
    removeAccessPolicies(credential, endpoint, vault, principalId, input.AZURE_TENANT_ID),
  );
  const diagnosticSettingName = `cmk-monitor-${input.AZURE_ENV_NAME}`.slice(0, 64);
  await inOrder(vaults, (vault) => deleteDiagnosticSetting(requests, endpoint, vault.id, diagnosticSettingName));

  const smtpVault = input.SMTP_VAULT_ID ? parseKeyVaultId(input.SMTP_VAULT_ID) : null;
  const subscriptions = distinctIds([
    ...input.POLICY_SUBSCRIPTION_IDS,
    ...vaultSubscriptions,
    ...(smtpVault ? [smtpVault.subscriptionId] : []),
  ]);
  const outside = new Set<string>();
  for (const subscriptionId of subscriptions) {
    await removeRoleAssignments(credential, endpoint, subscriptionId, principalId, outside);
  }

  if (left.length > 0) {
    throw new Error(
      [
        `${left.length} thing${left.length === 1 ? '' : 's'} the monitor left outside its resource group could not be removed or looked for${removed > 0 ? ` (${removed} removed)` : ''}:`,
        ...left.map((line) => `  ${line}`),
        'Get the rights at those scopes (role assignments: Owner or User Access Administrator; access policies: Key Vault Contributor;',
        'event subscriptions: EventGrid Contributor; diagnostic settings: Monitoring Contributor), or remove them by hand; then run it',
        'again (azd down runs it first).',
      ].join('\n'),
    );
  }
  say(
    removed > 0
      ? `removed ${removed} thing${removed === 1 ? '' : 's'} the monitor (principal ${principalId}) left outside its resource group.`
      : `nothing of the monitor (principal ${principalId}) is left outside its resource group.`,
  );
  keepOnPurpose(input, foundTopics, eventSubscriptionName, diagnosticSettingName);
  say("left on purpose (not the monitor's to remove, or harmless); an administrator may keep or remove them:");
  for (const line of kept) process.stdout.write(`  ${line}\n`);
});

/** A system topic the teardown looked at, with the name infra/main.bicep gives one it creates for that source. */
interface Topic {
  id: string;
  source: string;
  createdName: string;
}

/** What the deployment put, or may have put, outside its resource group that the teardown does not remove. */
function keepOnPurpose(
  input: z.infer<typeof settings>,
  topics: Topic[],
  eventSubscriptionName: string,
  diagnosticSettingName: string,
): void {
  const createdByMonitor = (topic: Topic) => same(topic.id.split('/').pop() ?? '', topic.createdName);
  for (const topic of topics.filter((topic) => !createdByMonitor(topic))) {
    keep(
      topic.id,
      `Event Grid system topic that existed before the monitor: left as it is; the teardown took out only the ` +
        `monitor's event subscription ${eventSubscriptionName}, and the topic's identity, tags and other subscriptions stay`,
    );
  }
  for (const topic of topics.filter(createdByMonitor)) {
    keep(
      topic.id,
      `Event Grid system topic the monitor created for ${topic.source}: left, since Azure allows one per source and other ` +
        `event subscriptions (another monitor environment's among them) may use it; empty, it costs nothing. Once nothing ` +
        `uses it: az eventgrid system-topic delete --ids ${topic.id}`,
    );
  }
  const clientId = input.MONITOR_CLIENT_ID || '<MONITOR_CLIENT_ID>';
  keep(
    'Power Platform',
    `the registration of the monitor's identity (client id ${clientId}) as a management application, if an administrator ` +
      `made it: a Power Platform administrator removes it with Remove-PowerAppManagementApp -ApplicationId ${clientId} ` +
      `(module Microsoft.PowerApps.Administration.PowerShell, after Add-PowerAppsAccount)`,
  );
  if ((input.MAIL_TRANSPORT || 'acs') === 'acs') {
    const group = input.AZURE_RESOURCE_GROUP || `rg-${input.AZURE_ENV_NAME}`;
    keep(
      input.AZURE_SUBSCRIPTION_ID ? `/subscriptions/${input.AZURE_SUBSCRIPTION_ID}` : "the monitor's subscription",
      `the custom role definition 'CMK monitor email sender (${group})': assignable only in ${group}, which azd down ` +
        `deletes, it grants nothing; the next azd up of this environment reuses it`,
    );
  }
  keep(
    'the vaults',
    `their keys, key versions and settings, and everyone else's role assignments, access policies, event ` +
      `subscriptions and diagnostic settings: the monitor only read them, and removed only its own. Its diagnostic ` +
      `setting ${diagnosticSettingName} (AUDIT_LOGS) was only ever on vaults in ${input.AZURE_LOCATION || "the monitor's region"}: ` +
      `vaults elsewhere never streamed to the monitor's Event Hub, which azd down deletes with the resource group`,
  );
}

/** The name infra/main.bicep gives the environment's event subscriptions: one per monitor, so two can share a topic. */
function eventSubscriptionOf(environmentName: string): string {
  return `cmk-monitor-${environmentName}`.replace(/[_.()]/g, '-').slice(0, 64);
}

/** DELETE of the event subscription, followed to its end when Event Grid accepts it for later (202). */
async function deleteEventSubscription(
  requests: ServiceClient,
  endpoint: string,
  topicId: string,
  eventSubscriptionName: string,
): Promise<() => void> {
  const what = `event subscription ${eventSubscriptionName}`;
  try {
    const url = `${endpoint}${topicId}/eventSubscriptions/${eventSubscriptionName}?api-version=${systemTopicsApiVersion}`;
    const response = await send(requests, 'DELETE', url);
    if (response.status === 204 || response.status === 404) return () => undefined;
    if (response.status === 202) await deletionDone(requests, response);
    else if (response.status !== 200) throw armError(response);
    return () => done(`removed ${what} from system topic ${topicId}`);
  } catch (error) {
    return () => leave(topicId, `${what} (${failure(error)})`);
  }
}

/** DELETE of the vault's diagnostic setting: 200 when one was removed, 204 when there was none. */
async function deleteDiagnosticSetting(
  requests: ServiceClient,
  endpoint: string,
  vaultId: string,
  name: string,
): Promise<() => void> {
  const what = `diagnostic setting ${name}`;
  try {
    const response = await send(
      requests,
      'DELETE',
      `${endpoint}${vaultId}/providers/Microsoft.Insights/diagnosticSettings/${name}?api-version=${diagnosticSettingsApiVersion}`,
    );
    if (response.status === 204 || response.status === 404) return () => undefined;
    if (response.status !== 200) throw armError(response);
    return () => done(`removed ${what} from vault ${vaultId}`);
  } catch (error) {
    return () => leave(vaultId, `${what} (${failure(error)})`);
  }
}

/** Polls Azure-AsyncOperation, or else Location, as ARM's asynchronous operations ask. */
async function deletionDone(requests: ServiceClient, accepted: PipelineResponse): Promise<void> {
  const statusUrl = accepted.headers.get('azure-asyncoperation');
  const resultUrl = accepted.headers.get('location');
  if (!statusUrl && !resultUrl) throw new Error('Event Grid accepted the deletion (202) but gave no URL to follow it');
  const deadline = Date.now() + deletionTimeoutMs;
  let waitSeconds = retryAfter(accepted);
  for (;;) {
    if (Date.now() + waitSeconds * 1000 > deadline)
      throw new Error(`Event Grid had not finished deleting it after ${deletionTimeoutMs / 60_000} minutes`);
    await sleep(waitSeconds * 1000);
    const poll = await send(requests, 'GET', statusUrl ?? resultUrl ?? '');
    if (statusUrl) {
      if (poll.status !== 200) throw armError(poll);
      const parsed = operationStatus.safeParse(parseJson(poll.bodyAsText));
      if (!parsed.success)
        throw new Error(
          `the status of Event Grid's deletion came in an unexpected shape: ${z.prettifyError(parsed.error)}`,
        );
      const { status, error } = parsed.data;
      if (status === 'Succeeded') return;
      if (status === 'Failed' || status === 'Canceled') {
        throw new Error(
          `Event Grid's deletion ended ${status}${error ? `: ${[error.code, error.message].filter(Boolean).join(': ')}` : ''}`,
        );
      }
    } else if (poll.status === 200 || poll.status === 204) {
      return;
    } else if (poll.status !== 202) {
      throw armError(poll);
    }
    waitSeconds = retryAfter(poll);
  }
}

/**
 * Removes the monitor's entries (its object id, in its tenant) from the vault's access policies, whatever the vault's
 * permission model, sending each entry's permissions back exactly as ARM returned them: `remove` takes out only the
 * permissions it is sent, matched case-sensitively, and answers 200 either way. Hence the read after it.
 */
async function removeAccessPolicies(
  credential: TokenCredential,
  endpoint: string,
  listed: ListedVault,
  principalId: string,
  tenantId: string,
): Promise<() => void> {
  const isMonitors = (entry: AccessPolicyEntry) => same(entry.objectId, principalId) && same(entry.tenantId, tenantId);
  const what = "the monitor's access policy";
  let vault: Vault | null;
  try {
    vault = await readVault(credential, endpoint, listed, note);
  } catch (error) {
    return () => leave(listed.id, `${message(error)}: ${what} was not looked for`);
  }
  const entries = (vault?.properties.accessPolicies ?? []).filter(isMonitors);
  if (entries.length === 0) return () => undefined;
  const client = new KeyVaultManagementClient(credential, listed.subscriptionId, { endpoint });
  try {
    for (const entry of entries) {
      await client.vaults.updateAccessPolicy(listed.resourceGroup, listed.name, 'remove', {
        properties: { accessPolicies: [entry] },
      });
    }
    const after = await client.vaults.get(listed.resourceGroup, listed.name);
    const still = (after.properties.accessPolicies ?? []).filter(isMonitors);
    if (still.length > 0)
      throw new Error(`ARM accepted the removal, but the vault still lists it (${permissionsOf(still)})`);
  } catch (error) {
    return () => leave(listed.id, `${what} (${failure(error)})`);
  }
  return () => done(`removed ${what} (${permissionsOf(entries)}) from vault ${listed.id}`);
}

/** Every role assignment of the principal at or below the subscription; those above it are not the deployment's. */
async function removeRoleAssignments(
  credential: TokenCredential,
  endpoint: string,
  subscriptionId: string,
  principalId: string,
  outside: Set<string>,
): Promise<void> {
  const subscription = `/subscriptions/${subscriptionId}`;
  const client = new AuthorizationManagementClient(credential, subscriptionId, { endpoint });
  const assignments: RoleAssignment[] = [];
  try {
    for await (const assignment of client.roleAssignments.listForSubscription({
      filter: `principalId eq '${principalId}'`,
    })) {
      if (assignment.principalId && same(assignment.principalId, principalId) && assignment.id && assignment.scope)
        assignments.push(assignment);
    }
  } catch (error) {
    leave(subscription, `the role assignments of the monitor could not be listed (${failure(error)})`);
    return;
  }
  const within = (scope: string) =>
    same(scope, subscription) || scope.toLowerCase().startsWith(`${subscription.toLowerCase()}/`);
  for (const assignment of assignments) {
    if (!within(assignment.scope ?? '')) {
      if (!outside.has(assignment.id?.toLowerCase() ?? '')) {
        note(`left ${describe(assignment)} at ${assignment.scope}: it is above the subscription, not the deployment's`);
        keep(
          assignment.scope ?? '',
          `${describe(assignment)} of the monitor: above the subscription, so not the deployment's`,
        );
      }
      outside.add(assignment.id?.toLowerCase() ?? '');
      continue;
    }
    try {
      await client.roleAssignments.deleteById(assignment.id ?? '');
      done(`removed ${describe(assignment)} of the monitor at ${assignment.scope}`);
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) continue;
      leave(assignment.scope ?? subscription, `${describe(assignment)} of the monitor (${failure(error)})`);
    }
  }
}

/** Runs the steps at once and reports their outcomes in the order given, so the output reads the same every run. */
async function inOrder<T>(items: T[], step: (item: T) => Promise<() => void>): Promise<void> {
  for (const report of await Promise.all(items.map(step))) report();
}

async function send(requests: ServiceClient, method: 'GET' | 'DELETE', url: string): Promise<PipelineResponse> {
  return requests.sendRequest(createPipelineRequest({ url, method }));
}

function armError(response: PipelineResponse): RestError {
  const error = (parseJson(response.bodyAsText) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const detail = [error?.code, error?.message].filter((part) => typeof part === 'string').join(': ');
  return new RestError(detail || `${response.request.method} answered ${response.status}`, {
    statusCode: response.status,
  });
}

function retryAfter(response: PipelineResponse): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds >= 0 && response.headers.has('retry-after')
    ? Math.min(seconds, 60)
    : defaultPollSeconds;
}

function parseJson(text: string | null | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return null;
  }
}

function describe(assignment: RoleAssignment): string {
  const roleId = assignment.roleDefinitionId?.split('/').pop()?.toLowerCase() ?? '';
  return `role assignment ${assignment.name ?? assignment.id} (${roleNames[roleId] ?? `role ${roleId}`})`;
}

function permissionsOf(entries: AccessPolicyEntry[]): string {
  return entries
    .map(({ permissions }) =>
      Object.entries(permissions)
        .filter((entry): entry is [string, string[]] => Array.isArray(entry[1]) && entry[1].length > 0)
        .map(([kind, list]) => `${kind} ${list.join(', ')}`)
        .join('; '),
    )
    .join(' | ');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function done(line: string): void {
  removed += 1;
  say(line);
}

function leave(scope: string, what: string): void {
  left.push(`${scope}: ${what}`);
}

function keep(scope: string, what: string): void {
  kept.push(`${scope}: ${what}`);
}

function say(line: string): void {
  process.stdout.write(`${script}: ${line}\n`);
}

function note(line: string): void {
  process.stderr.write(`${script}: ${line}\n`);
}
