import type { Change } from '../../domain/whatIf/changes.js';
import { decodeWhatIfRequest } from './whatIfRequest.js';

/** The usual actions the dashboard links to, each with the query fields it takes (and fixed values, if any). */
const usualActions = {
  disableKeyVersion: { fields: ['vault', 'key', 'version'], fixed: {} },
  deleteKey: { fields: ['vault', 'key'], fixed: {} },
  removeRoleAssignment: { fields: ['principalId', 'scope'], fixed: {} },
  setVaultNetwork: { fields: ['vault', 'publicNetworkAccess'], fixed: { publicNetworkAccess: 'Disabled' } },
} satisfies Record<UsualQuestion['action'], { fields: string[]; fixed: Record<string, string> }>;

/** The Functions host's key parameter: the links carry it, it is no part of the question. */
const keyParameter = 'code';

export type WhatIfQuestion = { ok: true; change: Change } | { ok: false; message: string };

/** The one change a what-if page's query asks about, validated as a POST body would be. */
export function decodeWhatIfQuery(query: URLSearchParams): WhatIfQuestion {
  const action = query.get('action');
  if (!action || !Object.hasOwn(usualActions, action)) {
    return { ok: false, message: `action: expected one of ${Object.keys(usualActions).join(', ')}` };
  }
  const { fields, fixed } = usualActions[action as keyof typeof usualActions];
  const fieldSet = new Set<string>(['action', keyParameter, ...fields]);
  for (const name of new Set(query.keys())) {
    if (!fieldSet.has(name))
      return { ok: false, message: `${name}: not a field of ${action}; expected ${fields.join(', ')}` };
    if (query.getAll(name).length > 1) return { ok: false, message: `${name}: given more than once` };
  }
  for (const [name, value] of Object.entries(fixed)) {
    if (query.get(name) !== value) return { ok: false, message: `${name}: the page asks only about ${value}` };
  }
  const change = Object.fromEntries([
    ['action', action],
    ...fields.flatMap((name) => (query.has(name) ? [[name, query.get(name)] as const] : [])),
  ]);
  const decoded = decodeWhatIfRequest({ changes: [change] });
  if (!decoded.ok) return { ok: false, message: `${decoded.path.replace(/^changes\[0\]\./, '')}: ${decoded.message}` };
  const [decodedChange] = decoded.changes;
  return decodedChange ? { ok: true, change: decodedChange } : { ok: false, message: 'no change' };
}

/** A question a what-if link asks, as its query fields. */
export type UsualQuestion =
  | { action: 'disableKeyVersion'; vault: string; key: string; version: string }
  | { action: 'deleteKey'; vault: string; key: string }
  | { action: 'removeRoleAssignment'; principalId: string; scope: string }
  | { action: 'setVaultNetwork'; vault: string; publicNetworkAccess: 'Disabled' };

/** The query of a what-if page's link; the caller adds the function key. */
export function whatIfQuery(question: UsualQuestion): URLSearchParams {
  return new URLSearchParams(Object.entries(question));
}
