/** The runbooks of the rules that see access lost without naming one cause: each link of the chain is checked in turn. */
import { policyLink } from './links.js';
import type { ChainFacts, RuleRunbook, RunbookStep } from './model.js';
import { giveAccessBack, letTrustedServicesIn, makeKeyUsable, step } from './steps.js';

function restoreChain(chain: ChainFacts | null): RunbookStep[] {
  return [makeKeyUsable(chain), ...giveAccessBack(chain), letTrustedServicesIn(chain)];
}

export const keyAccessFailing: RuleRunbook = ({ chain }) => [
  ...restoreChain(chain),
  step(
    "The finding clears once Key Vault has refused none of the policy identity's calls for the quiet period and the monitor has read the chain again.",
  ),
];

export const policyUnhealthy: RuleRunbook = ({ chain }) => [
  step(
    `Open ${chain ? `enterprise policy '${chain.policyName}'` : 'the enterprise policy'} to see its health: Microsoft reports it Unhealthy when it cannot use the key.`,
    chain && policyLink(chain),
  ),
  ...restoreChain(chain),
];

/** The chain the environment left is named in the finding; the environment's own chain is not it. */
export const unlinkedChainBroken: RuleRunbook = () => [
  step(
    'Restore the chain of the policy the environment left, named in the finding: recover its key or vault from soft delete, enable its key version, give its managed identity its access back, let trusted Microsoft services through its firewall.',
  ),
  step(
    'Keep that key, vault and access for 30 days after the environment left the policy, so backups from before then can still be restored.',
  ),
];
