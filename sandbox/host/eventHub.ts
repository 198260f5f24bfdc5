import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventHubFunctionOptions } from '@azure/functions';
import { quote } from '../../shared/text/logText.js';
import { invocationContext } from './context.js';
import { readBody, replyText } from './request.js';

export interface EventHubFunction {
  name: string;
  options: EventHubFunctionOptions;
}

/** An Event Hubs batch is at most 1 MB (Standard tier's largest event); the sandbox's deliveries stay far below. */
const maxBody = 1024 * 1024;

/**
 * The sandbox's stand-in for the Event Hubs extension, which pulls from the hub and has no HTTP path in Azure:
 * `POST /runtime/webhooks/eventhub?functionName=<name>` with a JSON array of message bodies invokes the function once
 * with them all (`cardinality: 'many'`), as the extension would after reading them from a partition. A failed
 * invocation answers 500, and the sender delivers the batch again, as the function's retry policy would.
 */
export async function serveEventHub(
  functions: EventHubFunction[],
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (url.pathname !== '/runtime/webhooks/eventhub') return false;
  const fn = functions.find((f) => f.name.toLowerCase() === url.searchParams.get('functionName')?.toLowerCase());
  if (!fn)
    return replyText(
      res,
      404,
      `No Event Hub function named ${quote(url.searchParams.get('functionName') ?? '(none)', 100)}`,
    );
  if (req.method !== 'POST') return replyText(res, 405, 'Use POST', { Allow: 'POST' });
  const body = await readBody(req, maxBody);
  if (body === null) return replyText(res, 413, `Body larger than ${maxBody} bytes`, { Connection: 'close' });
  let messages: unknown;
  try {
    messages = JSON.parse(body.toString('utf8'));
  } catch {
    return replyText(res, 400, 'Body is not JSON');
  }
  if (!Array.isArray(messages)) return replyText(res, 400, 'Body is not an array of messages');
  const now = new Date().toISOString();
  const metadata = {
    enqueuedTimeUtcArray: messages.map(() => now),
    sequenceNumberArray: messages.map((_, i) => i),
    partitionContext: { partitionId: '0' },
  };
  try {
    await fn.options.handler(messages, invocationContext(fn.name, metadata));
  } catch (error) {
    console.error(`[${fn.name}] ${error instanceof Error ? error.message : String(error)}`);
    return replyText(res, 500, 'The batch failed; deliver it again');
  }
  return replyText(res, 200, '');
}
