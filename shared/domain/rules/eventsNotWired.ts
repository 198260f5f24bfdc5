import type { Finding } from '../model.js';
import { nameOf } from '../resourceIds.js';
import { finding } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const eventsNotWiredRule = defineRule({
  id: 'events-not-wired',
  kind: 'chain',
  severity: 'info',
  check: eventsNotWired,
  remedy:
    "Optional: run 'azd provision' from the monitor's repository (see Deploy to Azure); it subscribes the monitor's keyVaultEvents function to every monitored vault's events, so changes are evaluated within a minute instead of at the next scan.",
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function eventsNotWired({ chain }: RuleContext): Finding | null {
  if (chain.events !== 'not-covered') return null;
  const vault = nameOf(chain.policy.vaultId);
  return finding(
    eventsNotWiredRule,
    `No Event Grid subscription carries the events of vault ${vault} to the monitor: its changes are seen only at the next scan.`,
  );
}
