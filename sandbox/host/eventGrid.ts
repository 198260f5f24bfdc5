import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventGridEvent, EventGridFunctionOptions } from '@azure/functions';
import pLimit from 'p-limit';
import { quote } from '../../shared/text/logText.js';
import { invocationContext } from './context.js';
import { readBody, replyText } from './request.js';

export interface EventGridFunction {
  name: string;
  options: EventGridFunctionOptions;
}

/** The Functions host rejects larger webhook bodies; Event Grid itself sends at most 1 MB per batch. */
const maxBody = 1024 * 1024;
/** Event Grid's largest batch (learn.microsoft.com/azure/event-grid/delivery-and-retry, "Output batching"). */
const maxEvents = 5_000;
/** Invocations of one batch in flight at once, as a host's concurrency would allow: the rest wait their turn. */
const inFlight = 1_000;

/**
 * `POST /runtime/webhooks/eventgrid?functionName=<name>` as the Functions host serves it: the subscription
 * validation handshakes, then one invocation per event of an Event Grid schema array or CloudEvents batch.
 */
export async function serveEventGrid(
  functions: EventGridFunction[],
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (url.pathname !== '/runtime/webhooks/eventgrid') return false;
  const origin = req.headers['webhook-request-origin'];
  if (req.method === 'OPTIONS' && typeof origin === 'string') {
    res.writeHead(200, { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*' }).end();
    return true;
  }
  const fn = functions.find((f) => f.name.toLowerCase() === url.searchParams.get('functionName')?.toLowerCase());
  if (!fn)
    return replyText(
      res,
      404,
      `No Event Grid function named ${quote(url.searchParams.get('functionName') ?? '(none)', 100)}`,
    );
  if (req.method !== 'POST') return replyText(res, 405, 'Use POST', { Allow: 'POST' });

  const body = await readBody(req, maxBody);
  if (body === null) return replyText(res, 413, `Body larger than ${maxBody} bytes`, { Connection: 'close' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return replyText(res, 400, 'Body is not JSON');
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  const validation = events.find(isValidation);
  if (validation) {
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ validationResponse: validation.data.validationCode }));
    return true;
  }
  if (events.length > maxEvents)
    return replyText(res, 400, `${events.length} events in one batch; Event Grid sends at most ${maxEvents}`);
  const limit = pLimit(inFlight);
  const failures = await Promise.allSettled(
    events.map((event) =>
      limit(() => fn.options.handler(event as EventGridEvent, invocationContext(fn.name, { eventGrid: true }))),
    ),
  );
  const failed = failures.filter((f) => f.status === 'rejected');
  for (const failure of failed) console.error(`[${fn.name}] ${String(failure.reason)}`);
  return replyText(
    res,
    failed.length ? 500 : 200,
    failed.length ? `${failed.length} of ${events.length} events failed` : '',
  );
}

function isValidation(event: unknown): event is { data: { validationCode: string } } {
  const e = event as { eventType?: unknown; data?: { validationCode?: unknown } } | null;
  return (
    e?.eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent' && typeof e.data?.validationCode === 'string'
  );
}
