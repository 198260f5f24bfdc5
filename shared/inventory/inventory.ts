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
  read(): Promise<Inventory>;
}

export function subscriptionOf(resourceId: string): string | null {
  return /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1]?.toLowerCase() ?? null;
}

/** Describes the first issue of a failed zod parse as `path: message`. */
export function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
