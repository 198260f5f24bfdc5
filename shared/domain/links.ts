import { dayMs } from './days.js';
import type { Environment, Policy } from './model.js';

/** Restores of an environment still need the chain it left for this long. */
export const unlinkWindowDays = 30;

/** What the inventory last said of an environment, apart from its link. */
export type EnvironmentFacts = Omit<Environment, 'id' | 'policyId'>;

/** The last inventory, per environment: the policy it is linked to and the one it recently left. */
export interface Link {
  environmentId: string;
  environment: EnvironmentFacts;
  policyId: string | null;
  policy: Policy | null;
  previous: { policy: Policy; unlinkedAt: string } | null;
  /** When the monitor first saw the link's current status (the admin API dates none); null when none is reported. */
  linkStatusSince: string | null;
}

/** Carries a stored link forward to what the inventory shows now; null when nothing is left to remember. */
export function reconcileLink(
  stored: Link | null,
  environment: Environment,
  current: { policyId: string | null; policy: Policy | null },
  now: Date,
): Link | null {
  const samePolicy = sameId(stored?.policyId ?? null, current.policyId);
  const left = !samePolicy && stored?.policy ? { policy: stored.policy, unlinkedAt: now.toISOString() } : null;
  const previous = left ?? stored?.previous ?? null;
  const recent =
    previous && now.getTime() - Date.parse(previous.unlinkedAt) < unlinkWindowDays * dayMs ? previous : null;
  const { id: environmentId, policyId: _policyId, ...facts } = environment;
  const sameStatus = samePolicy && sameId(stored?.environment.linkStatus ?? null, environment.linkStatus);
  const link: Link = {
    environmentId,
    environment: facts,
    policyId: samePolicy ? (stored?.policyId ?? null) : current.policyId,
    policy: current.policy ?? (samePolicy ? (stored?.policy ?? null) : null),
    previous: recent && !sameId(recent.policy.id, current.policyId) ? recent : null,
    linkStatusSince:
      environment.linkStatus === null ? null : (sameStatus && stored?.linkStatusSince) || now.toISOString(),
  };
  return link.policyId || link.previous ? link : null;
}

function sameId(a: string | null, b: string | null): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}
