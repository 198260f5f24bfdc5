import type { Link } from '../links.js';
import { sameText } from '../rules/helpers.js';
import type { ChangeOf } from './change.js';
import type { Picture } from './picture.js';
import { type Applied, type Refusal, touched } from './targets.js';

/** Removes the environment from its policy, which it then has just left (its restores still need that chain). */
export function unlinkEnvironment(
  picture: Picture,
  { environmentId }: ChangeOf<'unlinkEnvironment'>,
  now: Date,
): Applied {
  const link = linkOf(picture, environmentId);
  if (!link) return unknownEnvironment(environmentId);
  if (!link.policy)
    return { field: 'environmentId', message: `environment '${environmentId}' is not linked to a policy` };
  link.previous = { policy: link.policy, unlinkedAt: now.toISOString() };
  link.policyId = null;
  link.policy = null;
  forgetLinkStatus(link);
  return touched(true);
}

/** Links the environment to a policy of the picture; a policy it leaves becomes the one it recently left. */
export function linkEnvironment(
  picture: Picture,
  { environmentId, policyId }: ChangeOf<'linkEnvironment'>,
  now: Date,
): Applied {
  const link = linkOf(picture, environmentId);
  if (!link) return unknownEnvironment(environmentId);
  const chain = picture.chains.get(policyId.toLowerCase());
  if (!chain) return { field: 'policyId', message: `no policy '${policyId}'` };
  if (sameText(link.policyId ?? '', policyId))
    return { field: 'policyId', message: `environment '${environmentId}' is already linked to policy '${policyId}'` };
  const left = link.policy ? { policy: link.policy, unlinkedAt: now.toISOString() } : link.previous;
  link.previous = left && !sameText(left.policy.id, policyId) ? left : null;
  link.policyId = chain.policy.id;
  link.policy = { ...chain.policy };
  forgetLinkStatus(link);
  return touched(true);
}

function linkOf(picture: Picture, environmentId: string): Link | undefined {
  return picture.links.find((link) => sameText(link.environmentId, environmentId));
}

function unknownEnvironment(environmentId: string): Refusal {
  return { field: 'environmentId', message: `no environment '${environmentId}'` };
}

/** The what-if predicts where links end up: a new link counts as Linked (as an unreported status does), none has no status. */
function forgetLinkStatus(link: Link): void {
  link.environment = { ...link.environment, linkStatus: null };
  link.linkStatusSince = null;
}
