import type { Severity } from '../../domain/model.js';
import { oneLine } from '../../text/oneLine.js';
import { reaches, type Notice } from '../../alerts/notice.js';
import { PermanentDeliveryError, TransientDeliveryError, type Channel } from '../../application/ports/notifier.js';
import { hostOf } from './settings.js';

const timeoutMs = 15_000;
const answerChars = 200;

/**
 * How long a request that may have reached its receiver, but got no answer, waits before it is sent again when the
 * receiver cannot recognise a repeat: it may still process the first one, and a quick retry would post the message
 * twice. A Power Automate flow (behind a Teams Workflows webhook) answers within 120 s or not at all
 * (https://learn.microsoft.com/power-automate/guidance/coding-guidelines/asychronous-flow-pattern); Slack documents
 * no bound. Ten minutes lets a slow receiver finish, and keeps a slow spell to one duplicate in ten minutes.
 */
export const unansweredWaitMs = 10 * 60_000;

/** Connection errors that can come after the request went out: the receiver closed or reset it instead of answering. */
const droppedAfterSending = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

/**
 * Posts a body to a receiver and sorts its answer: a 2xx is done; 408, 429, 5xx and no answer at all (network,
 * timeout) are worth another try; any other status refuses the notice, and the error carries the answer. The URL
 * never appears in an error (a webhook's URL is its secret); a redirect is not followed. Unless the receiver
 * `recognisesRepeats`, a request that may have arrived unanswered is tried again only after `unansweredWaitMs`.
 */
export async function post(channel: string, url: string, body: string, headers: Record<string, string>, recognisesRepeats = false): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new TransientDeliveryError(`${channel}: no answer (${reasonOf(error)})`, recognisesRepeats || !mayHaveArrived(error) ? 0 : unansweredWaitMs);
  }
  if (response.ok) return response;
  const answer = oneLine(await response.text().catch(() => '')).slice(0, answerChars);
  const message = `${channel} answered ${response.status}${answer ? `: ${answer}` : ''}`;
  const retry = response.status === 408 || response.status === 429 || response.status >= 500;
  throw retry ? new TransientDeliveryError(message) : new PermanentDeliveryError(message);
}

function reasonOf(error: unknown): string {
  const cause = causeOf(error);
  if (timedOut(error)) return `timed out after ${timeoutMs / 1000} s`;
  return oneLine(cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))).slice(0, answerChars);
}

function mayHaveArrived(error: unknown): boolean {
  return timedOut(error) || droppedAfterSending.has(causeOf(error)?.code ?? '');
}

function timedOut(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function causeOf(error: unknown): { code?: string; message?: string } | undefined {
  return (error as { cause?: { code?: string; message?: string } } | null)?.cause;
}

/** What a posting channel knows of its receiver. */
export interface ReceiverTraits {
  /** The receiver drops a request it already processed (PagerDuty's `dedup_key`, the webhook's `webhook-id`). */
  recognisesRepeats?: boolean;
  /** Narrows the notices the channel takes, beyond its least severity. */
  takes?: (notice: Notice) => boolean;
}

/**
 * A channel that posts each notice it takes to one URL: `request` lays the notice out as the receiver wants it. By
 * default it takes every notice at or above `minSeverity`.
 */
export function postingChannel(
  name: string,
  settings: { url: string; minSeverity: Severity },
  request: (notice: Notice) => { body: string; headers: Record<string, string> } | null,
  { recognisesRepeats = false, takes = () => true }: ReceiverTraits = {},
): Channel {
  return {
    name,
    target: hostOf(settings.url),
    ready: true,
    takes: (notice) => reaches(notice, settings.minSeverity) && takes(notice),
    async send(notice) {
      const made = request(notice);
      if (made) await post(name, settings.url, made.body, made.headers, recognisesRepeats);
    },
  };
}

/** A JSON body and its content type. */
export function json(body: object): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}
