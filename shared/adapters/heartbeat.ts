import { record } from '../telemetry/instruments.js';

const timeoutMs = 10_000;

/**
 * Tells a dead-man's-switch service that a scan succeeded: a GET of its ping URL, the success signal of healthchecks.io
 * (healthchecks.io/docs/http_api/: "HEAD, GET or POST") and of Uptime Kuma's push monitors. The service raises its
 * own alarm when pings stop, so a monitor whose subscription, app or identity is gone is still missed. A failed ping
 * is logged without the URL, which holds the check's token, and never fails the scan.
 */
export async function ping(url: string, log: (message: string) => void): Promise<void> {
  try {
    const response = await fetch(url, { method: 'GET', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`answered ${response.status}`);
    record('heartbeats', 1, { outcome: 'sent' });
  } catch (error) {
    record('heartbeats', 1, { outcome: 'failed' });
    log(`Heartbeat not sent: ${reasonOf(error).replaceAll(url, '<HEARTBEAT_URL>')}`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer in ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
