import { z } from 'zod';
import { firstIssue } from '../inventory/inventory.js';
import { parseVaultId } from '../truth/resourceId.js';
import { readEnvelope, type Envelope } from './envelope.js';
import type { ChainHint } from './hint.js';

export interface EventSummary {
  id: string;
  type: string;
  subject: string;
}

export type EventReading =
  | { kind: 'hint'; event: EventSummary; hint: ChainHint }
  | { kind: 'ignored'; event: EventSummary; reason: string }
  | { kind: 'rejected'; reason: string };

const text = z.string().trim().min(1);

/** Unix seconds as a number or a numeric string; null, absent or '' when the version has no such date. */
const unixSeconds = z.preprocess(
  (value) => (value === '' ? null : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
  z
    .number({ error: 'expected Unix seconds as a number, a numeric string or null' })
    .finite()
    .nullish()
    .transform((seconds) => (seconds === null || seconds === undefined ? null : new Date(seconds * 1000))),
);

const keyData = z.object({
  vaultname: text,
  objectname: text,
  version: z.string().nullish(),
  nbf: unixSeconds,
  exp: unixSeconds,
});

const resourceData = z.object({ operationname: text, resourceuri: text });

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
      : { kind: 'rejected', reason: `${sourceField(envelope)}: expected the ARM id of a Key Vault, got '${envelope.source}'` };
  }
  if (!name.startsWith('key')) return { kind: 'ignored', event, reason: 'not a key event' };
  const parsed = keyData.safeParse(envelope.data);
  if (!parsed.success) return { kind: 'rejected', reason: firstIssue(parsed.error, 'data') };
  const data = parsed.data;
  const vaultId = vaultIdOf(envelope.source);
  if (vaultId && parseVaultId(vaultId)?.name.toLowerCase() !== data.vaultname.toLowerCase()) {
    return { kind: 'rejected', reason: `data.VaultName: '${data.vaultname}' is not the vault of ${sourceField(envelope)} '${envelope.source}'` };
  }
  return {
    kind: 'hint',
    event,
    hint: {
      kind: 'key',
      vaultId,
      vaultName: data.vaultname,
      keyName: data.objectname,
      version: data.version?.trim() || null,
      notBefore: data.nbf,
      expiresOn: data.exp,
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
    if (scope === undefined) return { kind: 'rejected', reason: `data.resourceUri: '${resourceUri}' is not a role assignment id` };
    return { kind: 'hint', event, hint: { kind: 'access', scope } };
  }
  if (operation.startsWith('microsoft.authorization/roledefinitions/')) {
    return { kind: 'hint', event, hint: { kind: 'access', scope: '' } };
  }
  if (operation.startsWith('microsoft.keyvault/vaults/')) {
    const vaultId = vaultIdOf(resourceUri);
    if (!vaultId) return { kind: 'rejected', reason: `data.resourceUri: '${resourceUri}' is not in a Key Vault` };
    return { kind: 'hint', event, hint: { kind: 'vault', vaultId } };
  }
  return { kind: 'ignored', event, reason: `operation ${parsed.data.operationname} does not touch a vault or access` };
}

/** The vault's ARM id when `resourceId` is the vault or lies inside it (access policies, keys). */
function vaultIdOf(resourceId: string): string | null {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+/i.exec(resourceId.trim());
  return match ? match[0] : null;
}

function sourceField(envelope: Envelope): string {
  return envelope.schema === 'EventGridSchema' ? 'topic' : 'source';
}
