import type { Notice } from '../../domain/alerts/notice.js';

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

/** What a failed send knows beyond its message. */
export interface DeliveryDetail {
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** What a person can do about it, naming the setting to change. */
  advice?: string;
}

/**
 * A send that may succeed later: receiver down or busy, 408, 429, 5xx, network, credentials. `retryAfterMs` is the
 * least wait before the next attempt, when the usual backoff would come too soon.
 */
export class TransientDeliveryError extends Error {
  override readonly name = 'TransientDeliveryError';

  constructor(
    message: string,
    readonly retryAfterMs = 0,
    readonly detail: DeliveryDetail = {},
  ) {
    super(message);
  }
}

/** A send that will never succeed as it is: the receiver refused this notice (any other 4xx). */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';

  constructor(
    message: string,
    readonly detail: DeliveryDetail = {},
  ) {
    super(message);
  }
}
