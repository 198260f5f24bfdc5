import type { Readout } from '../../../domain/model.js';

/**
 * Turns a failed read into what it proves: 404 means the thing is gone; anything else (403, throttling
 * that outlived the retries, network, 5xx) means the monitor cannot see, which is never taken as healthy.
 */
export function failedReadout(error: unknown, what: string): Readout<never> {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  const message = error instanceof Error ? error.message.split('\n')[0]?.slice(0, 300) : String(error);
  if (status === 404) return { kind: 'missing', detail: `${what} not found` };
  return {
    kind: 'blind',
    detail: `${what} could not be read${status ? ` (HTTP ${status})` : ''}: ${message}`,
    retryable: status === undefined || status === 408 || status === 429 || status >= 500,
  };
}

export async function readout<T>(what: string, read: () => Promise<T>): Promise<Readout<T>> {
  try {
    return { kind: 'found', value: await read() };
  } catch (error) {
    return failedReadout(error, what);
  }
}
