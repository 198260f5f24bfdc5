import { z } from 'zod';
import { firstIssue } from '../../text/issues.js';
import { quote } from '../../text/logText.js';
import type { KeyUse } from '../../domain/refusals.js';
import { guidPattern } from '../../domain/guid.js';
import { parseVaultId } from '../../domain/resourceIds.js';
import type { AuditMessage, AuditReading, AuditSummary } from '../../application/auditReading.js';
import type { ChainHint } from '../../application/hint.js';

/*
 * Key Vault's diagnostic records (category AuditEvent), as a diagnostic setting streams them to an Event Hub: each
 * message is `{ "records": [ … ] }`, each record names the vault (`resourceId`, upper case in Microsoft's example),
 * the operation (`operationName`), the caller (`identity.claim`) and the HTTP answer (`properties.httpStatusCode`,
 * a number; `resultSignature` its reason phrase). Sources: learn.microsoft.com/azure/key-vault/general/logging
 * ("Interpret your Key Vault logs", "Operation names"), learn.microsoft.com/azure/azure-monitor/essentials/resource-logs
 * ("Send to Azure Event Hubs"). A refused call still says `"resultType": "Success"` in real records, so only the
 * status code tells a refusal. Anyone who can send to the hub can write a record, so a record's own time is its
 * sender's word: only the time Event Hubs stamped on its arrival is not.
 */

/** Power Platform's own use of an enterprise policy's key: a refusal of one of these is the outage, happening. */
const keyUses: readonly KeyUse[] = ['KeyWrap', 'KeyUnwrap', 'KeyGet'];

/** Writes to a key: what Event Grid never publishes (an update, a deletion, a purge, a rotation policy) and what it does. */
const keyChanges = new Set([
  'keycreate',
  'keyimport',
  'keyupdate',
  'keydelete',
  'keypurge',
  'keyrecover',
  'keyrestore',
  'keyrotate',
  'keyrotateifdue',
  'keyrotationpolicyset',
  'keynearexpiryeventgridnotification',
  'keyexpiredeventgridnotification',
]);
/** Writes to the vault through Resource Manager: network rules, access policies, recovery settings, deletion. */
const vaultChanges = new Set([
  'vaultput',
  'vaultpatch',
  'vaultdelete',
  'vaultrecover',
  'vaultpurge',
  'vaultaccesspolicychangedeventgridnotification',
]);
const refusedStatuses = new Set([401, 403, 404]);
const reasonPhrases: Record<string, number> = {
  ok: 200,
  accepted: 202,
  nocontent: 204,
  unauthorized: 401,
  forbidden: 403,
  notfound: 404,
};

/** Resource Manager's naming rules: a resource group of letters, digits and `-_.()`, a vault or HSM of 3-24 letters, digits and hyphens. */
const resourceGroupName = /^[-\w.()]{1,90}$/;
const vaultName = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const objectIdClaims = ['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier'];
/** The calling application's client id: `appid` in v1 tokens (Microsoft's example), `azp` in v2. */
const clientIdClaims = ['appid', 'azp'];
const lastSecond = Date.UTC(9999, 11, 31, 23, 59, 59);
/** How much later than its arrival a record may be dated: Key Vault's clock and Event Hubs' may differ a little. */
const clockSkewMs = 5 * 60_000;
/** The audit hub's message retention (messageRetentionInDays in infra/events/auditHub.bicep): no older record came through it. */
export const auditHubRetentionDays = 1;
const retentionHours = auditHubRetentionDays * 24;

const record = z.object({
  time: z
    .string()
    .max(64)
    .refine((value) => {
      const at = Date.parse(value);
      return Number.isFinite(at) && at >= 0 && at <= lastSecond;
    }, 'expected a UTC date and time')
    .transform((value) => new Date(value).toISOString()),
  resourceId: z
    .string()
    .trim()
    .min(1, 'expected the ARM id of the vault')
    .max(2048, 'expected at most 2048 characters'),
  operationName: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{1,128}$/, 'expected a Key Vault operation name (letters only)'),
  category: z.string().max(128).optional(),
  resultSignature: z.string().max(128).optional(),
  identity: z
    .object({ claim: z.record(z.string(), z.unknown()).optional() })
    .optional()
    .catch(undefined),
  properties: z
    .object({
      httpStatusCode: z.number().int().min(100).max(599).optional(),
      id: z.string().max(2048).optional(),
      requestUri: z.string().max(4096).optional(),
    })
    .optional(),
});

/** One Event Hub message and when Event Hubs enqueued it: null when the trigger did not say. */
export interface AuditDelivery {
  message: unknown;
  enqueuedAt: Date | null;
}

/**
 * A batch as `handleAuditBatch` takes it: every message read, and every record in it on its own. A record reached the
 * Event Hub when Event Hubs enqueued its message, or `now` when the trigger did not say.
 */
export function readAuditBatch(deliveries: AuditDelivery[], monitorClientId: string | null, now: Date): AuditMessage[] {
  return deliveries.map(({ message, enqueuedAt }) => {
    const read = readAuditMessage(message);
    if (read.kind === 'rejected') return { ...read, message };
    const arrivedAt = enqueuedAt ?? now;
    return {
      kind: 'records',
      records: read.records.map((raw) => ({ raw, reading: readAuditRecord(raw, monitorClientId, arrivedAt) })),
    };
  });
}

/** The records of one Event Hub message: the diagnostic envelope, as an object, a JSON string or bytes. */
export function readAuditMessage(
  message: unknown,
): { kind: 'records'; records: unknown[] } | { kind: 'rejected'; reason: string } {
  let body = message;
  if (body instanceof Uint8Array) body = Buffer.from(body).toString('utf8');
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: 'rejected', reason: `message: expected JSON, got ${quote(text, 60)}` };
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { kind: 'rejected', reason: 'message: expected an object with records' };
  const records = (body as { records?: unknown }).records;
  if (!Array.isArray(records))
    return { kind: 'rejected', reason: 'message.records: expected an array of diagnostic records' };
  return { kind: 'records', records };
}

/**
 * Turns one diagnostic record, which reached the Event Hub at `arrivedAt`, into a hint of what to re-read, a refused use
 * of a key, a reason to leave it alone, or a reason it is malformed. Never throws. A record dated after its arrival or
 * before the hub's retention is rejected. The monitor's own calls (its identity's client id) are left alone, so its
 * reads never feed back.
 */
export function readAuditRecord(raw: unknown, monitorClientId: string | null, arrivedAt: Date): AuditReading {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { kind: 'rejected', reason: 'record: expected an object' };
  const parsed = record.safeParse(raw);
  if (!parsed.success) return { kind: 'rejected', reason: firstIssue(parsed.error, 'record') };
  const { time, resourceId, operationName, category, resultSignature, identity, properties } = parsed.data;
  const arrival = arrivedAt.toISOString();
  if (Date.parse(time) > arrivedAt.getTime() + clockSkewMs) {
    return {
      kind: 'rejected',
      reason: `record.time: expected a time at most ${clockSkewMs / 60_000} minutes after the record reached the Event Hub (${arrival}), got ${time}`,
    };
  }
  if (Date.parse(time) < arrivedAt.getTime() - retentionHours * 3_600_000) {
    return {
      kind: 'rejected',
      reason: `record.time: expected a time at most ${retentionHours} hours (the Event Hub's retention) before the record reached it (${arrival}), got ${time}`,
    };
  }
  if (category !== undefined && category.toLowerCase() !== 'auditevent')
    return { kind: 'ignored', record: null, reason: `category ${quote(category, 60)} is not AuditEvent` };
  const vault = parseVaultId(resourceId);
  if (!vault)
    return {
      kind: 'ignored',
      record: null,
      reason: `resourceId ${quote(resourceId)} is not a Key Vault or Managed HSM`,
    };
  if (
    !guidPattern.test(vault.subscriptionId) ||
    !resourceGroupName.test(vault.resourceGroup) ||
    !vaultName.test(vault.name)
  ) {
    return {
      kind: 'rejected',
      reason: `record.resourceId: expected a subscription id, a resource group name and a vault name, got ${quote(resourceId)}`,
    };
  }
  const vaultId = `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/${vault.type === 'vault' ? 'vaults' : 'managedHSMs'}/${vault.name}`;
  const summary: AuditSummary = { operation: operationName, vaultName: vault.name, at: time };
  const caller = guidClaim(identity?.claim, objectIdClaims);
  const application = guidClaim(identity?.claim, clientIdClaims);
  if (application && monitorClientId && application === monitorClientId.toLowerCase())
    return { kind: 'ignored', record: summary, reason: "the monitor's own call" };
  const status = properties?.httpStatusCode ?? reasonPhrases[(resultSignature ?? '').replace(/\s+/g, '').toLowerCase()];
  if (status === undefined)
    return { kind: 'rejected', reason: 'record.properties.httpStatusCode: expected the HTTP status of the call' };
  const operation = operationName.toLowerCase();
  const key = keyOf(properties?.id) ?? keyOf(properties?.requestUri);
  const keyHint = (keyName: string, version: string | null): ChainHint => ({
    kind: 'key',
    vaultId,
    vaultName: vault.name,
    keyName,
    version,
  });
  const vaultHint: ChainHint = { kind: 'vault', vaultId };

  const use = keyUses.find((name) => name.toLowerCase() === operation);
  if (use) {
    const succeeded = status >= 200 && status <= 299;
    if (!succeeded && !refusedStatuses.has(status))
      return { kind: 'ignored', record: summary, reason: `${use} answered ${status}` };
    if (!caller) {
      const reason = 'record.identity.claim: expected the object id (oid) of the caller';
      return succeeded ? { kind: 'ignored', record: summary, reason } : { kind: 'rejected', reason };
    }
    const call = {
      vaultId,
      vaultName: vault.name,
      keyName: key?.name ?? null,
      principalId: caller,
      operation: use,
      at: time,
      arrivedAt: arrival,
    };
    const hint = key ? keyHint(key.name, null) : vaultHint;
    return succeeded
      ? { kind: 'use', record: summary, use: call, hint }
      : { kind: 'refusal', record: summary, refusal: { ...call, status }, hint };
  }
  if (status < 200 || status > 299)
    return { kind: 'ignored', record: summary, reason: `${operationName} answered ${status}: nothing changed` };
  if (keyChanges.has(operation))
    return { kind: 'hint', record: summary, hint: key ? keyHint(key.name, key.version) : vaultHint };
  if (vaultChanges.has(operation)) return { kind: 'hint', record: summary, hint: vaultHint };
  return { kind: 'ignored', record: summary, reason: `${operationName} changes no chain` };
}

/** The first of `names` that holds a GUID: the caller's object id (short or long claim) or its application's client id. */
function guidClaim(claim: Record<string, unknown> | undefined, names: string[]): string | null {
  for (const name of names) {
    const value = claim?.[name];
    if (typeof value === 'string' && guidPattern.test(value.trim())) return value.trim().toLowerCase();
  }
  return null;
}

/**
 * The key a record's URI names: `https://{vault}.vault.azure.net/keys/{name}[/{version}][/…]` or `/deletedkeys/{name}`;
 * null for anything else (a list, a restore). The vault is the record's `resourceId`, whatever host the URI names.
 */
function keyOf(uri: string | undefined): { name: string; version: string | null } | null {
  if (!uri) return null;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  const match = /^\/(?:keys|deletedkeys)\/([A-Za-z0-9-]{1,127})(?:\/([0-9a-fA-F]{32}))?(?:\/|$)/.exec(url.pathname);
  if (!match?.[1] || match[1].toLowerCase() === 'restore') return null;
  return { name: match[1], version: match[2]?.toLowerCase() ?? null };
}
