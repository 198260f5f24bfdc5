/**
 * A finding's runbook: what an admin does about it, in order, with the Azure portal or Power Platform admin center page
 * to do it in and the Azure CLI and PowerShell equivalents. Every rule has one; every outage's ends with re-enabling
 * the environment, which Power Platform leaves to an admin.
 */
import type { Chain, Finding, RuleId } from './model.js';
import { nameOf, parseVaultId } from './resourceIds.js';
import { currentVersionOf, valueOf } from './rules/helpers.js';
import { previousVersionOf } from './rules/previousVersionDisabledEarly.js';
import { environmentNotEligible, linkFailed, linkPending, regionMismatch } from './runbooks/environmentRunbooks.js';
import {
  keyDisabled,
  keyExpired,
  keyExpiring,
  keyMissing,
  keyNoExpiry,
  keyNotYetValid,
  keyTypeUnsupported,
  previousVersionDisabledEarly,
} from './runbooks/keyRunbooks.js';
import type { ChainFacts, RuleRunbook, Runbook, RunbookContext, RunbookStep } from './runbooks/model.js';
import { keyAccessFailing, policyUnhealthy, unlinkedChainBroken } from './runbooks/restoreRunbooks.js';
import { reEnableEnvironment } from './runbooks/steps.js';
import {
  accessRevoked,
  eventsNotWired,
  monitorBlind,
  vaultNetworkBlocked,
  vaultRecoveryOff,
} from './runbooks/vaultRunbooks.js';

export type {
  ChainFacts,
  Runbook,
  RunbookCommand,
  RunbookContext,
  RunbookLink,
  RunbookStep,
  Shell,
} from './runbooks/model.js';

const ruleRunbooks: Record<RuleId, RuleRunbook> = {
  'key-access-failing': keyAccessFailing,
  'key-expired': keyExpired,
  'key-expiring': keyExpiring,
  'key-disabled': keyDisabled,
  'key-missing': keyMissing,
  'key-not-yet-valid': keyNotYetValid,
  'key-type-unsupported': keyTypeUnsupported,
  'vault-recovery-off': vaultRecoveryOff,
  'access-revoked': accessRevoked,
  'previous-version-disabled-early': previousVersionDisabledEarly,
  'unlinked-chain-broken': unlinkedChainBroken,
  'vault-network-blocked': vaultNetworkBlocked,
  'region-mismatch': regionMismatch,
  'environment-not-eligible': environmentNotEligible,
  'key-no-expiry': keyNoExpiry,
  'monitor-blind': monitorBlind,
  'link-failed': linkFailed,
  'link-pending': linkPending,
  'policy-unhealthy': policyUnhealthy,
  'environment-still-disabled': (context) => [reEnableEnvironment(context)],
  'events-not-wired': eventsNotWired,
};

/** The runbook of a finding, on the chain it is about. */
export function runbookOf(finding: Pick<Finding, 'rule' | 'severity'>, context: RunbookContext): Runbook {
  // A status stored by another version of the monitor may hold a rule this one does not know: it has no steps.
  const steps = (ruleRunbooks as Partial<Record<string, RuleRunbook>>)[finding.rule]?.(context) ?? [];
  const reEnable = reEnableEnvironment(context);
  const reEnabled = steps.some((step) => sameStep(step, reEnable));
  return { steps: finding.severity === 'outage' && !reEnabled ? [...steps, reEnable] : steps };
}

/** What a runbook names of a chain as the monitor last read it. */
export function chainFactsOf({ policy, vault, key }: Pick<Chain, 'policy' | 'vault' | 'key'>): ChainFacts {
  const readVault = valueOf(vault);
  const readKey = valueOf(key);
  const rotatedAt = readKey && currentVersionOf(readKey)?.createdOn;
  return {
    policyId: policy.id,
    policyName: policy.name,
    principalId: policy.principalId,
    vaultId: policy.vaultId,
    vaultName: readVault?.name ?? nameOf(policy.vaultId),
    vaultType: readVault?.type ?? parseVaultId(policy.vaultId)?.type ?? 'vault',
    permissionModel: readVault && readVault.type === 'vault' ? (readVault.rbac ? 'rbac' : 'accessPolicies') : null,
    keyName: policy.keyName,
    keyVersion: readKey?.currentVersion ?? policy.keyVersion,
    previousKeyVersion: readKey && rotatedAt ? (previousVersionOf(readKey, rotatedAt)?.version ?? null) : null,
  };
}

function sameStep(a: RunbookStep, b: RunbookStep): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
