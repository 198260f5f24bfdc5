import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../config.js';
import type { Link } from '../domain/links.js';
import { alert, queueDigest, type AlertingDependencies } from '../application/alerting.js';
import { tellSight } from '../application/sightAlerts.js';
import { sendTestAlert } from '../application/testAlert.js';
import { openChannels } from '../adapters/channels/index.js';
import type { Channel } from '../application/ports/notifier.js';
import { quote } from '../text/logText.js';
import { observedChannel } from '../telemetry/observedChannel.js';
import { reportAuditSilence, reportWaiting } from '../telemetry/report.js';
import type { Log, Services } from './services.js';
import type { Stores } from './stores.js';

export type AlertingServices = Pick<Services, 'alert' | 'sight' | 'digest' | 'testAlert'>;

/** Alerts: the channels ALERT_CHANNELS chose (opened once), the outbox, and the outbox's gauges. */
export function alertingServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
  channelContext: { credential: TokenCredential; ca: string | undefined },
): AlertingServices {
  const reportOutbox = outboxReporter(config, stores);
  let channels: Promise<Channel[]> | undefined;
  const chosenChannels = () =>
    (channels ??= openChannels(config.alerts.channels, { alerts: config.alerts, ...channelContext }).then((opened) =>
      opened.map(observedChannel),
    ));
  const dependencies = async (log: Log): Promise<AlertingDependencies> => {
    const [current, chosen] = await Promise.all([stores(), chosenChannels()]);
    const { statuses, ledger, alerts } = current;
    return { statuses, ledger, alerts, links, config: config.alerts, channels: chosen, log };
  };
  return {
    async alert(log, now, scope) {
      const deps = await dependencies(log);
      const run = await alert(deps, now, scope);
      if (!scope)
        await reportOutbox(deps, now ?? new Date()).catch((error: unknown) =>
          log(`Outbox metrics not reported: ${quote(String(error))}`),
        );
      return run;
    },
    async sight(spots, now) {
      return tellSight({ ...(await dependencies(() => undefined)), scans: (await stores()).scans }, spots, now);
    },
    async digest(log, now) {
      return queueDigest(await dependencies(log), now);
    },
    async testAlert(channel, now) {
      return sendTestAlert({ channels: await chosenChannels(), config: config.alerts }, channel, now);
    },
  };
}

/**
 * The outbox's gauges, and the audit records' silence while they are on, after a run of the alert timer or of a scan:
 * at most once a minute (the export interval), since each report reads the outbox again.
 */
function outboxReporter(config: Config, stores: () => Promise<Stores>) {
  const startedAt = new Date();
  let reportedAt = 0;
  return async (deps: AlertingDependencies, now: Date): Promise<void> => {
    if (Date.now() - reportedAt < 60_000) return;
    reportedAt = Date.now();
    const [waiting, lastAudit] = await Promise.all([
      deps.alerts.waiting(),
      config.auditLogs ? (await stores()).scans.lastAudit() : null,
    ]);
    reportWaiting(
      waiting.map(({ value }) => value),
      deps.channels.map((channel) => channel.name),
      now,
    );
    if (config.auditLogs) reportAuditSilence(lastAudit, startedAt, now);
  };
}
