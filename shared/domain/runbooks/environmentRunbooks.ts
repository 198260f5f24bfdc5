/** The runbooks of the rules about the environment and its link, done in the Power Platform admin center. */
import { environmentLink, policyLink } from './links.js';
import type { RuleRunbook } from './model.js';
import { powerShell } from './quoting.js';
import { step } from './steps.js';

export const linkFailed: RuleRunbook = ({ environmentId, chain }) => [
  step(
    'First fix the key-side problems the finding names: they are the likely reasons Microsoft could not apply the policy.',
    chain && policyLink(chain),
  ),
  step(
    `In the Power Platform admin center, check the environment's encryption status; apply ${chain ? `policy '${chain.policyName}'` : 'the policy'} again, and open a Microsoft support request if it fails again.`,
    environmentLink(environmentId),
  ),
];

export const linkPending: RuleRunbook = ({ environmentId }) => [
  step('Nothing while the policy is being applied or removed: it can take up to four days.'),
  step(
    'If it lasts longer, check the environment in the Power Platform admin center and open a Microsoft support request.',
    environmentLink(environmentId),
  ),
];

export const regionMismatch: RuleRunbook = ({ environmentId, chain }) => [
  step(
    "Create an enterprise policy in the environment's region (a policy's location must match the environment's geography) for a key its identity can use.",
  ),
  step(
    `Move the environment in the Power Platform admin center: remove it from ${chain ? `policy '${chain.policyName}'` : 'its policy'} and add it to the new one.`,
    environmentLink(environmentId),
  ),
];

/** Microsoft Learn, "Enable Managed Environments": the admin center, or its PowerShell example. */
export const environmentNotEligible: RuleRunbook = ({ environmentId }) => [
  step(
    'Enable Managed Environments for the environment in the Power Platform admin center (Environments > the environment > Enable Managed Environments).',
    environmentLink(environmentId),
    [
      powerShell`$GovernanceConfiguration = [pscustomobject] @{ protectionLevel = "Standard"; settings = [pscustomobject] @{ extendedSettings = @{} } }
Set-AdminPowerAppEnvironmentGovernanceConfiguration -EnvironmentName ${environmentId} -UpdatedGovernanceConfiguration $GovernanceConfiguration`,
    ],
  ),
  step(
    'Trial and Teams environments cannot be encrypted with a customer-managed key: convert a trial to production first.',
    environmentLink(environmentId),
  ),
];
