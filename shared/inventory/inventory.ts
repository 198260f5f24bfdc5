import type { Environment, Policy } from '../domain/model.js';

/** An item of an unexpected shape, left out of the inventory so the rest can be judged. */
export interface Skipped {
  source: string;
  reason: string;
}

export interface Inventory {
  policies: Policy[];
  environments: Environment[];
  /** Policy sources that could not be read: environments linked there are reported blind, not judged on a guess. */
  unreadable: { subscriptionId: string; detail: string }[];
  skipped: Skipped[];
}

export interface InventorySource {
  /**
   * The whole inventory. `onLinked` hears, as each part of the environment list arrives, the policies its environments
   * are linked to, so that their chains can be read while the rest of the list is still paging in.
   */
  read(onLinked?: (policies: Policy[]) => void): Promise<Inventory>;
}

export function subscriptionOf(resourceId: string): string | null {
  return /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1]?.toLowerCase() ?? null;
}

/** Describes the first issue of a failed zod parse as `path: message`, the path under `prefix` when given. */
export function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }, prefix = ''): string {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path.map(String) ?? [])].filter(Boolean).join('.');
  const message = issue?.message ?? 'invalid';
  return path ? `${path}: ${message}` : message;
}
