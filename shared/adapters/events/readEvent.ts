import { z } from 'zod';
import { firstIssue } from '../../text/issues.js';
import { quote } from '../../text/logText.js';
import { parseVaultId } from '../../domain/resourceIds.js';
import { readEnvelope, type Envelope } from './envelope.js';
import type { EventReading, EventSummary } from '../../application/eventGridEvent.js';

export type { EventReading, EventSummary };

/*
 * What Key Vault can hold, so nothing else reaches a read, a log line or stored state
 * (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates, "Object identifiers"; naming rules for
 * Microsoft.KeyVault): a vault name is 3-24 letters, digits and hyphens starting with a letter; an object name 1-127
 * letters, digits and hyphens; a version 32 hexadecimal digits; dates are Unix seconds up to 9999-12-31.
 */
const vaultName = z
  .string()
  .trim()
  .regex(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, 'expected a Key Vault name (3-24 letters, digits and hyphens)');
const objectName = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9-]{1,127}$/, 'expected a key name (1-127 letters, digits and hyphens)');
const version = z
  .string()
  .trim()
  .regex(/^([0-9a-fA-F]{32})?$/, 'expected a key version (32 hexadecimal digits)')
  .nullish()
  .transform((value) => value || null);
const lastSecond = 253_402_300_799;

/** Unix seconds as a number or a numeric string; null, absent or '' when the version has no such date. */
const unixSeconds = z.preprocess(
  (value) =>
    value === ''
      ? null
      : typeof value === 'string' && /^\s*-?\d{1,20}(\.\d{1,20})?\s*$/.test(value)
        ? Number(value)
        : value,
  z
    .number({ error: 'expected Unix seconds as a number, a numeric string or null' })
    .min(0, 'expected a date after 1970')
    .max(lastSecond, 'expected a date before the year 10000')
    .nullish()
    .transform((seconds) => (seconds === null || seconds === undefined ? null : new Date(seconds * 1000))),
);

const keyData = z.object({
  vaultname: vaultName,
  objectname: objectName,
  version,
  nbf: unixSeconds,
  exp: unixSeconds,
});

/** An ARM resource id or operation name, bounded: ARM ids stay well under this. */
const armText = (max: number) => z.string().trim().min(1).max(max, `expected at most ${max} characters`);

const resourceData = z.object({ operationname: armText(512), resourceuri: armText(2048) });

const keyVaultPrefix = 'microsoft.keyvault.';
const roleAssignment = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+\/?$/i;

/**
 * Turns one delivered event (Event Grid schema or CloudEvents 1.0) into a hint of what to re-read, a reason to
 * leave it alone, or a reason it is malformed. Never throws: a bad event must not fail the batch around it.
 */
export function readEvent(raw: unknown): EventReading {
  const reading = readEnvelope(raw);
  if (reading.kind === 'rejected') return reading;
  const envelope = reading.envelope;
  const event = { id: envelope.id, type: envelope.type, subject: envelope.subject };
  const type = envelope.type.toLowerCase();
  if (type.startsWith(keyVaultPrefix)) return keyVaultEvent(envelope, event, type.slice(keyVaultPrefix.length));
  if (type === 'microsoft.resources.resourcewritesuccess' || type === 'microsoft.resources.resourcedeletesuccess') {
    return resourceEvent(envelope, event);
  }
  return { kind: 'ignored', event, reason: 'not an event type this monitor watches' };
}

function keyVaultEvent(envelope: Envelope, event: EventSummary, name: string): EventReading {
  if (name.startsWith('secret') || name.startsWith('certificate')) {
    return { kind: 'ignored', event, reason: 'secrets and certificates do not encrypt environments' };
  }
  if (name === 'vaultaccesspolicychanged') {
    const vaultId = vaultIdOf(envelope.source);
    return vaultId
      ? { kind: 'hint', event, hint: { kind: 'vault', vaultId } }
      : {
          kind: 'rejected',
          reason: `${sourceField(envelope)}: expected the ARM id of a Key Vault, got ${quote(envelope.source)}`,
        };
  }
  if (!name.startsWith('key')) return { kind: 'ignored', event, reason: 'not a key event' };
  // The type names the source of every status change the event causes (history, API, dashboard): a name, nothing else.
  if (!/^key[a-z]+$/.test(name)) {
    return {
      kind: 'rejected',
      reason: `${typeField(envelope)}: expected a Key Vault event type (letters after Microsoft.KeyVault.), got ${quote(envelope.type, 100)}`,
    };
  }
  const parsed = keyData.safeParse(envelope.data);
  if (!parsed.success) return { kind: 'rejected', reason: firstIssue(parsed.error, 'data') };
  const data = parsed.data;
  const vaultId = vaultIdOf(envelope.source);
  if (vaultId && parseVaultId(vaultId)?.name.toLowerCase() !== data.vaultname.toLowerCase()) {
    return {
      kind: 'rejected',
      reason: `data.VaultName: '${data.vaultname}' is not the vault of ${sourceField(envelope)} ${quote(envelope.source)}`,
    };
  }
  return {
    kind: 'hint',
    event,
    hint: {
      kind: 'key',
      vaultId,
      vaultName: data.vaultname,
      keyName: data.objectname,
      version: data.version,
    },
  };
}

function resourceEvent(envelope: Envelope, event: EventSummary): EventReading {
  const parsed = resourceData.safeParse(envelope.data);
  if (!parsed.success) return { kind: 'rejected', reason: firstIssue(parsed.error, 'data') };
  const operation = parsed.data.operationname.toLowerCase();
  const resourceUri = parsed.data.resourceuri.trim();
  if (operation.startsWith('microsoft.authorization/roleassignments/')) {
    const scope = roleAssignment.exec(resourceUri)?.[1];
    if (scope === undefined)
      return { kind: 'rejected', reason: `data.resourceUri: ${quote(resourceUri)} is not a role assignment id` };
    return { kind: 'hint', event, hint: { kind: 'access', scope } };
  }
  if (operation.startsWith('microsoft.authorization/roledefinitions/')) {
    return { kind: 'hint', event, hint: { kind: 'access', scope: '' } };
  }
  if (operation.startsWith('microsoft.keyvault/vaults/')) {
    const vaultId = vaultIdOf(resourceUri);
    if (!vaultId) return { kind: 'rejected', reason: `data.resourceUri: ${quote(resourceUri)} is not in a Key Vault` };
    return { kind: 'hint', event, hint: { kind: 'vault', vaultId } };
  }
  return {
    kind: 'ignored',
    event,
    reason: `operation ${quote(parsed.data.operationname)} does not touch a vault or access`,
  };
}

/** The vault's ARM id when `resourceId` is the vault or lies inside it (access policies, keys). */
function vaultIdOf(resourceId: string): string | null {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+/i.exec(
    resourceId.trim(),
  );
  return match ? match[0] : null;
}

function sourceField(envelope: Envelope): string {
  return envelope.schema === 'EventGridSchema' ? 'topic' : 'source';
}

function typeField(envelope: Envelope): string {
  return envelope.schema === 'EventGridSchema' ? 'eventType' : 'type';
}
