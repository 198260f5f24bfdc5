import type { Finding } from '../model.js';
import { unlinkWindowDays } from '../links.js';
import { addDays, finding, iso } from './helpers.js';
import { defineRule, type ChainEvaluator, type UnlinkContext } from './rule.js';

export const unlinkedChainBrokenRule = defineRule({
  id: 'unlinked-chain-broken',
  kind: 'unlink',
  severity: 'critical',
  check: unlinkedChainBroken,
  remedy:
    "Restore the old policy's key, vault or access (recover from soft-delete, re-enable, re-grant) and keep it for 30 days after the environment left the policy, so older backups can still be restored.",
  // Restores need the old key back (key vault admins) and the link history (Power Platform admins).
  duty: 'bothSides',
  alerting: 'atOnceWhenCritical',
});

function unlinkedChainBroken(
  { environment, unlink, now, options }: UnlinkContext,
  evaluateRestoreBreakers: ChainEvaluator,
): Finding | null {
  const restoreWindowEnds = addDays(unlink.unlinkedAt, unlinkWindowDays);
  if (now.getTime() >= restoreWindowEnds.getTime()) return null;
  const broken = evaluateRestoreBreakers({ environment, chain: unlink.chain, now, options });
  if (!broken.length) return null;
  return finding(
    unlinkedChainBrokenRule,
    `Environment '${environment.displayName}' left policy '${unlink.chain.policy.name}' on ${iso(unlink.unlinkedAt)}; ` +
      `restoring backups from before then needs that policy's chain until ${iso(restoreWindowEnds)}, but it is broken: ` +
      broken.map((f) => `[${f.rule}] ${f.message}`).join(' '),
    restoreWindowEnds,
  );
}
