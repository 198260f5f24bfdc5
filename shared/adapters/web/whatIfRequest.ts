import { z } from 'zod';
import { guidPattern } from '../../domain/guid.js';
import { nameOf } from '../../domain/resourceIds.js';
import type { Change } from '../../domain/whatIf/changes.js';
import { issueOf, issuePath } from '../../text/issues.js';

/** Longer than any ARM id, vault, key or version name the API takes. */
const maxText = 400;
const maxChanges = 50;

const text = z.string().trim().min(1).max(maxText);
const guid = text.regex(guidPattern, 'expected a GUID').transform((id) => id.toLowerCase());
/** A role definition as a GUID, or as the ARM id of either form ARM lists, `/subscriptions/…/providers/…` or `/providers/…`. */
const roleDefinitionId = text
  .regex(
    /^(?:(?:\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/?$/i,
    'expected a role definition GUID or its ARM id',
  )
  .transform((id) => nameOf(id).toLowerCase());
const scope = text.regex(/^\//, "expected an ARM scope, starting with '/'");
const date = z.iso.datetime({ offset: true }).transform((iso) => new Date(iso));
const settableDate = date.nullable().optional();

const keyVersion = { vault: text, key: text, version: text };

const change = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.enum(['disableKeyVersion', 'enableKeyVersion']), ...keyVersion }),
    z.strictObject({ action: z.literal('deleteKey'), vault: text, key: text }),
    z
      .strictObject({ action: z.literal('setKeyVersionDates'), ...keyVersion, expiresOn: settableDate, notBefore: settableDate })
      .refine((c) => c.expiresOn !== undefined || c.notBefore !== undefined, 'expected expiresOn or notBefore (null clears a date)'),
    z.strictObject({ action: z.literal('rotateKey'), vault: text, key: text, expiresOn: settableDate }),
    z.strictObject({ action: z.literal('removeRoleAssignment'), principalId: guid, scope, roleDefinitionId: roleDefinitionId.optional() }),
    z.strictObject({ action: z.literal('addRoleAssignment'), principalId: guid, scope, roleDefinitionId }),
    z.strictObject({ action: z.literal('setVaultPermissionModel'), vault: text, model: z.enum(['rbac', 'accessPolicies']) }),
    z
      .strictObject({
        action: z.literal('setVaultNetwork'),
        vault: text,
        publicNetworkAccess: z.enum(['Enabled', 'Disabled']).optional(),
        defaultAction: z.enum(['Allow', 'Deny']).optional(),
        trustedServicesBypass: z.boolean().optional(),
      })
      .refine(
        (c) => c.publicNetworkAccess !== undefined || c.defaultAction !== undefined || c.trustedServicesBypass !== undefined,
        'expected publicNetworkAccess, defaultAction or trustedServicesBypass',
      ),
    z.strictObject({ action: z.literal('deleteVault'), vault: text }),
    z.strictObject({ action: z.literal('unlinkEnvironment'), environmentId: text }),
    z.strictObject({ action: z.literal('linkEnvironment'), environmentId: text, policyId: text }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? unknownAction(issue) : undefined) },
);

const request = z.strictObject({ changes: z.array(change).min(1).max(maxChanges) });

/** The changes a what-if request proposes, or the first thing wrong with it: where (`changes[1].version`) and what. */
export type WhatIfRequest = { ok: true; changes: Change[] } | { ok: false; path: string; message: string };

/** Decodes the body of a what-if POST, `{ "changes": [ … ] }`. */
export function decodeWhatIfRequest(body: unknown): WhatIfRequest {
  const parsed = request.safeParse(body);
  if (parsed.success) return { ok: true, changes: parsed.data.changes satisfies Change[] };
  const { path, message } = issueOf(parsed.error);
  return { ok: false, path: issuePath(path), message };
}

/** Zod's issue for a discriminator no option has lists the options' discriminators. */
function unknownAction(issue: { input?: unknown; options?: unknown }): string {
  const { input, options } = issue;
  const named = typeof input === 'object' && input !== null && 'action' in input ? `unknown action '${String(input.action)}'` : 'no action';
  return `${named}; expected one of ${Array.isArray(options) ? options.join(', ') : 'the documented actions'}`;
}
