import type { Severity } from '../../domain/model.js';
import { oneLine } from '../../text/oneLine.js';
import { reaches, type Notice } from '../../alerts/notice.js';
import { PermanentDeliveryError, TransientDeliveryError, type Channel } from '../../application/ports/notifier.js';
import { hostOf } from './settings.js';

const timeoutMs = 15_000;
const answerChars = 200;

/**
 * Posts a body to a receiver and sorts its answer: a 2xx is done; 408, 429, 5xx and no answer at all (network,
 * timeout) are worth another try; any other status refuses the notice, and the error carries the answer. The URL
 * never appears in an error (a webhook's URL is its secret); a redirect is not followed.
 */
export async function post(channel: string, url: string, body: string, headers: Record<string, string>): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new TransientDeliveryError(`${channel}: no answer (${reasonOf(error)})`);
  }
  if (response.ok) return response;
  const answer = oneLine(await response.text().catch(() => '')).slice(0, answerChars);
  const message = `${channel} answered ${response.status}${answer ? `: ${answer}` : ''}`;
  const retry = response.status === 408 || response.status === 429 || response.status >= 500;
  throw retry ? new TransientDeliveryError(message) : new PermanentDeliveryError(message);
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (error instanceof Error && error.name === 'TimeoutError') return `timed out after ${timeoutMs / 1000} s`;
  return oneLine(cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))).slice(0, answerChars);
}

/**
 * A channel that posts each notice it takes to one URL: `request` lays the notice out as the receiver wants it. By
 * default it takes every notice at or above `minSeverity`; `takes` narrows that further.
 */
export function postingChannel(
  name: string,
  settings: { url: string; minSeverity: Severity },
  request: (notice: Notice) => { body: string; headers: Record<string, string> } | null,
  takes: (notice: Notice) => boolean = () => true,
): Channel {
  return {
    name,
    target: hostOf(settings.url),
    ready: true,
    takes: (notice) => reaches(notice, settings.minSeverity) && takes(notice),
    async send(notice) {
      const made = request(notice);
      if (made) await post(name, settings.url, made.body, made.headers);
    },
  };
}

/** A JSON body and its content type. */
export function json(body: object): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}
