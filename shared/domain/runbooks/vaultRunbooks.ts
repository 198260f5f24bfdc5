/** The runbooks of the rules about the vault, its access and what the monitor sees of it. */
import { enablePurgeProtection } from './commands.js';
import { vaultLink } from './links.js';
import type { RuleRunbook } from './model.js';
import { giveAccessBack, letTrustedServicesIn, step } from './steps.js';

export const vaultRecoveryOff: RuleRunbook = ({ chain }) => [
  step(
    'Turn on soft delete in the vault (Properties > Soft-delete) if it is off.',
    chain && vaultLink(chain, 'properties'),
  ),
  step(
    'Turn on purge protection (Properties > Purge protection); CMK requires both, and purge protection cannot be turned off again.',
    chain && vaultLink(chain, 'properties'),
    chain ? enablePurgeProtection(chain) : [],
  ),
];

export const vaultNetworkBlocked: RuleRunbook = ({ chain }) => [letTrustedServicesIn(chain)];

export const accessRevoked: RuleRunbook = ({ chain }) => giveAccessBack(chain);

export const monitorBlind: RuleRunbook = ({ chain }) => [
  step(
    "From the monitor's repository, run 'npm run doctor -- --subscription <subscription id>' with the monitor's rights: it names each missing right with its scope and the command that grants it.",
  ),
  step(
    "Give the monitor's identity the 'Key Vault Reader' role on the vault and Reader on its resource group (Access control (IAM) > Add role assignment).",
    chain && vaultLink(chain, 'users'),
  ),
  step(
    'Let the monitor reach the vault through its firewall (Networking); the next scan then evaluates the chain.',
    chain && vaultLink(chain, 'networking'),
  ),
];

export const eventsNotWired: RuleRunbook = ({ chain }) => [
  step(
    "Optional: run 'azd provision' from the monitor's repository (see Deploy to Azure): it subscribes the monitor's keyVaultEvents function to the vault's events, so changes are evaluated within a minute instead of at the next scan.",
    chain && vaultLink(chain, 'overview'),
  ),
];
