import type { Config } from '../config.js';
import type { Link } from '../domain/links.js';
import { hintKey, type ChainHint } from '../application/hint.js';
import { coalesce } from '../application/coalesce.js';
import { reevaluate, type ReevaluateDependencies } from '../application/reevaluate.js';
import { reevaluateThenAlert, type ReevaluateThenAlertDependencies } from '../application/reevaluateThenAlert.js';
import { handleEventGridEvent } from '../application/eventGridEvent.js';
import { handleAuditBatch } from '../application/auditBatch.js';
import type { Truth } from '../application/ports/truth.js';
import type { AlertingServices } from './alerting.js';
import { eventCoverageOf, ruleOptionsOf } from './rules.js';
import type { Log, Services } from './services.js';
import type { Stores } from './stores.js';

/** Events: a hint re-read and re-evaluated, then its alerts decided; once for a flood of the same hint. */
export function eventServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
  truth: () => Truth,
  alertScope: AlertingServices['alert'],
): Pick<Services, 'reevaluate' | 'reevaluateThenAlert' | 'event'> {
  const ruleOptions = ruleOptionsOf(config);
  const reevaluation = async (): Promise<ReevaluateDependencies> => {
    const current = await stores();
    return {
      truth,
      statuses: current.statuses,
      chains: current.chains,
      links,
      ruleOptions,
      concurrency: config.scanConcurrency,
      eventCoverage: async () => eventCoverageOf((await current.scans.last())?.summary),
      refusals: () => current.refusals.list(),
    };
  };
  const steps: ReevaluateThenAlertDependencies = {
    reevaluate: async (hint, source) => reevaluate(await reevaluation(), hint, source),
    alert: (log, now, scope) => alertScope(log, now, scope),
  };
  const reevaluateOnce = coalesce((input: { hint: ChainHint; source: string; log: Log }) =>
    reevaluateThenAlert(steps, input.hint, input.source, input.log),
  );
  const reevaluateHint = (hint: ChainHint, source: string, log: Log) =>
    reevaluateOnce(`${source}\n${hintKey(hint)}`, { hint, source, log });
  return {
    async reevaluate(hint, source, now) {
      return reevaluate(await reevaluation(), hint, source, now);
    },
    reevaluateThenAlert: reevaluateHint,
    async event(delivered, log) {
      const { events } = await stores();
      return handleEventGridEvent({ events, reevaluateThenAlert: reevaluateHint }, delivered, log);
    },
  };
}

/** Key Vault's audit records: refusals recorded, each key or vault they name re-evaluated as an event's hint is. */
export function auditServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
  reevaluateHint: Services['reevaluateThenAlert'],
): Pick<Services, 'audit'> {
  return {
    async audit(messages, functionName, log) {
      const current = await stores();
      const deps = {
        links,
        refusals: current.refusals,
        quietMs: config.refusalQuietMinutes * 60_000,
        events: current.events,
        reevaluateThenAlert: reevaluateHint,
        heartbeat: (at: string) => current.scans.recordAudit(at),
      };
      return handleAuditBatch(deps, messages, functionName, log);
    },
  };
}
