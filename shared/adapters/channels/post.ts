import type { Severity } from '../../domain/model.js';
import { oneLine } from '../../text/oneLine.js';
import { reaches, type Notice } from '../../domain/alerts/notice.js';
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
 * What a person can do about a receiver's answer: its `status` and the start of its body, or no answer at all
 * (`status` null, `answer` saying why).
 */
export type Advice = (status: number | null, answer: string) => string;

/**
 * Posts a body to a receiver and sorts its answer: a 2xx is done; 408, 429, 5xx and no answer at all (network,
 * timeout) are worth another try; any other status refuses the notice, and the error carries the answer, its status
 * and what `advise` says about it. The URL never appears in an error (a webhook's URL is its secret); a redirect is
 * not followed. Unless the receiver `recognisesRepeats`, a request that may have arrived unanswered is tried again
 * only after `unansweredWaitMs`.
 */
export async function post(
  channel: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  recognisesRepeats = false,
  advise?: Advice,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = reasonOf(error);
    const detail = advise ? { advice: advise(null, reason) } : {};
    throw new TransientDeliveryError(
      `${channel}: no answer (${reason})`,
      recognisesRepeats || !mayHaveArrived(error) ? 0 : unansweredWaitMs,
      detail,
    );
  }
  if (response.ok) return response;
  const answer = oneLine(await response.text().catch(() => '')).slice(0, answerChars);
  const message = `${channel} answered ${response.status}${answer ? `: ${answer}` : ''}`;
  const detail = { status: response.status, ...(advise && { advice: advise(response.status, answer) }) };
  const retry = response.status === 408 || response.status === 429 || response.status >= 500;
  throw retry ? new TransientDeliveryError(message, 0, detail) : new PermanentDeliveryError(message, detail);
}

/**
 * Advice about a receiver at the URL in the app setting `setting`, run by `service`: `known` for the statuses the
 * service documents, otherwise by the kind of answer.
 */
export function adviceFor(service: string, setting: string, known: Partial<Record<number, string>> = {}): Advice {
  return (status, answer) => {
    const said = answer ? ` (${answer})` : '';
    if (status === null)
      return `no answer from ${service}${said}: check ${setting} and that the function app can reach its host (DNS, firewall, outbound network)`;
    const documented = known[status];
    if (documented) return documented;
    if (status >= 300 && status < 400)
      return `${service} answered ${status}, a redirect: set ${setting} to the URL ${service} gives, not one that forwards`;
    if (status === 401 || status === 403) return `${service} refused the request (${status})${said}: check ${setting}`;
    if (status === 404 || status === 410)
      return `${service} no longer serves the URL in ${setting} (${status}): set it to a current one`;
    if (status === 408 || status === 429 || status >= 500)
      return `${service} is busy or failing (${status})${said}: alerts wait and are sent again; try again later`;
    return `${service} refused the message (${status})${said}`;
  };
}

function reasonOf(error: unknown): string {
  const cause = causeOf(error);
  if (timedOut(error)) return `timed out after ${timeoutMs / 1000} s`;
  return oneLine(cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))).slice(
    0,
    answerChars,
  );
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
  /** What a person can do when the receiver refuses or does not answer. */
  advise: Advice;
}

/**
 * A channel that posts each notice it takes to one URL: `request` lays the notice out as the receiver wants it. By
 * default it takes every notice at or above `minSeverity`.
 */
export function postingChannel(
  name: string,
  settings: { url: string; minSeverity: Severity },
  request: (notice: Notice) => { body: string; headers: Record<string, string> } | null,
  { recognisesRepeats = false, takes = () => true, advise }: ReceiverTraits,
): Channel {
  return {
    name,
    target: hostOf(settings.url),
    ready: true,
    takes: (notice) => reaches(notice, settings.minSeverity) && takes(notice),
    async send(notice) {
      const made = request(notice);
      if (made) await post(name, settings.url, made.body, made.headers, recognisesRepeats, advise);
    },
  };
}

/** A JSON body and its content type. */
export function json(body: object): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}
