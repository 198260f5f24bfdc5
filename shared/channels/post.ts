import { oneLine } from '../oneLine.js';
import { PermanentDeliveryError, TransientDeliveryError } from './channel.js';

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
