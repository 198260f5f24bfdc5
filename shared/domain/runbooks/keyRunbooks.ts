/** The runbooks of the rules about the key itself. */
import { activateNow, enableKeyVersion, extendExpiry, recoverKey, recoverVault, rotateKey } from './commands.js';
import { environmentLink, policyLink, vaultLink } from './links.js';
import type { ChainFacts, RuleRunbook } from './model.js';
import { keyNamed, step, versionNamed } from './steps.js';

const keysPage = (chain: ChainFacts | null) => chain && vaultLink(chain, 'keys');

export const keyDisabled: RuleRunbook = ({ chain }) => [
  step(
    `Enable ${versionNamed(chain)} of ${keyNamed(chain)} (Keys > the key > the version > Enabled).`,
    keysPage(chain),
    chain?.keyVersion ? enableKeyVersion(chain, chain.keyVersion) : [],
  ),
];

export const keyExpired: RuleRunbook = ({ chain }) => [
  step(
    `Set a later expiry date on ${versionNamed(chain)} of ${keyNamed(chain)} (Keys > the key > the version > Set expiration date); the command sets it a year ahead.`,
    keysPage(chain),
    chain?.keyVersion ? extendExpiry(chain, chain.keyVersion) : [],
  ),
  step(
    'Or rotate the key to a new version, if the enterprise policy does not name a version; keep the expired version enabled for at least 28 days after.',
    keysPage(chain),
    chain ? rotateKey(chain) : [],
  ),
];

export const keyExpiring: RuleRunbook = ({ chain }) => [
  step(
    `Rotate ${keyNamed(chain)} before ${versionNamed(chain)} expires (Keys > the key > Rotate now): Power Platform takes up the new version within 24 hours, without downtime.`,
    keysPage(chain),
    chain ? rotateKey(chain) : [],
  ),
  step(`Keep ${versionNamed(chain)} enabled for at least 28 days after the rotation.`, keysPage(chain)),
];

export const keyMissing: RuleRunbook = ({ chain }) => [
  step(
    `If ${chain ? `vault '${chain.vaultName}'` : 'the vault'} was deleted, recover it (Key vaults > Manage deleted vaults) while its retention period lasts.`,
    null,
    chain ? recoverVault(chain) : [],
  ),
  step(
    `If ${keyNamed(chain)} was deleted, recover it (Keys > Manage deleted keys).`,
    keysPage(chain),
    chain ? recoverKey(chain) : [],
  ),
  step(
    `If neither was deleted, the enterprise policy${chain ? ` '${chain.policyName}'` : ''} names a key or version the vault does not have: check its key name and version.`,
    chain && policyLink(chain),
  ),
];

export const keyNotYetValid: RuleRunbook = ({ chain }) => [
  step(
    `Set the activation date of ${versionNamed(chain)} of ${keyNamed(chain)} to now or earlier (Keys > the key > the version > Set activation date), or rotate to a version that is already active.`,
    keysPage(chain),
    chain?.keyVersion ? activateNow(chain, chain.keyVersion) : [],
  ),
];

export const keyTypeUnsupported: RuleRunbook = ({ environmentId, chain }) => [
  step(
    `Create an RSA or RSA-HSM key of 2048 or 3072 bits${chain ? ` in vault '${chain.vaultName}'` : ''} (Keys > Generate/Import).`,
    keysPage(chain),
  ),
  step(
    "Create an enterprise policy for the new key in the environment's region, and give its managed identity access to the key.",
  ),
  step(
    `Move the environment: remove it from ${chain ? `policy '${chain.policyName}'` : 'its policy'} and add it to the new one in the Power Platform admin center; each change disables it for a while.`,
    environmentLink(environmentId),
  ),
];

export const keyNoExpiry: RuleRunbook = ({ chain }) => [
  step(
    `Optional: give ${keyNamed(chain)} a rotation policy with automatic rotation and a 'notify before expiry' action (Keys > the key > Rotation policy), so Key Vault rotates it and emits near-expiry events.`,
    keysPage(chain),
  ),
];

export const previousVersionDisabledEarly: RuleRunbook = ({ chain }) => [
  step(
    `Enable ${chain?.previousKeyVersion ? `previous version '${chain.previousKeyVersion}'` : 'the previous version'} of ${keyNamed(chain)} again (Keys > the key > the version > Enabled), and keep it enabled for at least 28 days after the rotation.`,
    keysPage(chain),
    chain?.previousKeyVersion ? enableKeyVersion(chain, chain.previousKeyVersion) : [],
  ),
];
