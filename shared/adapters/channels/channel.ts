import type { TokenCredential } from '@azure/core-auth';
import type { z } from 'zod';
import type { Channel } from '../../application/ports/notifier.js';
import type { MailConfig } from '../mail/mailTransport.js';
import type { Severity } from '../../domain/model.js';

/** What every channel may read of the alert settings: how mail leaves, its sender, the dashboard to link. */
export interface ChannelAlertSettings {
  mail: MailConfig;
  from: string | null;
  dashboardUrl: string | null;
}

/** What every channel may use beyond its own settings. */
export interface ChannelContext {
  alerts: ChannelAlertSettings;
  credential: TokenCredential;
  /** An extra CA to trust (PEM), for local doubles. */
  ca?: string | undefined;
}

/**
 * A kind of channel: its name in ALERT_CHANNELS, its app settings (validated once, with the rest of the
 * configuration, only when the channel is chosen) and how it is built from them.
 */
export interface ChannelDefinition<Settings extends { minSeverity: Severity } = { minSeverity: Severity }> {
  name: string;
  settings: z.ZodType<Settings, Record<string, string | undefined>>;
  create(settings: Settings, context: ChannelContext): Channel | Promise<Channel>;
}

/** A channel ALERT_CHANNELS chose, with its own settings as its definition validated them. */
export interface ChannelChoice {
  name: string;
  settings: { minSeverity: Severity };
}

/**
 * A definition as the registry holds it. Sound because `create` only ever gets what this definition's own
 * `settings` produced (config.ts parses them, composition/alerting.ts creates).
 */
export function defineChannel<Settings extends { minSeverity: Severity }>(
  definition: ChannelDefinition<Settings>,
): ChannelDefinition {
  return definition;
}
