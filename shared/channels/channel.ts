import type { TokenCredential } from '@azure/core-auth';
import type { z } from 'zod';
import { severityOf, type Notice } from '../alerts/notice.js';
import type { AlertConfig } from '../config.js';
import { severities, type Severity } from '../domain/model.js';

/** Whether a notice is at least as severe as `least`, the least severity a channel receives. */
export function reaches(notice: Notice, least: Severity): boolean {
  return severities.indexOf(severityOf(notice)) >= severities.indexOf(least);
}

/** A place alerts go: email, a chat, a pager, a webhook. */
export interface Channel {
  name: string;
  /** Where it sends, as the API and the dashboard may show it: a host, never a URL (a webhook's URL is its secret). */
  target: string;
  /** False while the channel cannot send at all (no mail transport set): its deliveries wait untouched. */
  ready: boolean;
  /** Whether this notice goes to this channel: its least severity, and what the channel is for. */
  takes(notice: Notice): boolean;
  /** Resolves once the receiver took the notice; throws TransientDeliveryError or PermanentDeliveryError. */
  send(notice: Notice): Promise<void>;
}

/** What every channel may use beyond its own settings. */
export interface ChannelContext {
  alerts: AlertConfig;
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

/**
 * A definition as the registry holds it. Sound because `create` only ever gets what this definition's own
 * `settings` produced (config.ts parses them, composition.ts creates).
 */
export function defineChannel<Settings extends { minSeverity: Severity }>(definition: ChannelDefinition<Settings>): ChannelDefinition {
  return definition as unknown as ChannelDefinition;
}

/** A send that may succeed later: receiver down or busy, 408, 429, 5xx, network, credentials. */
export class TransientDeliveryError extends Error {
  override readonly name = 'TransientDeliveryError';
}

/** A send that will never succeed as it is: the receiver refused this notice (any other 4xx). */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}
