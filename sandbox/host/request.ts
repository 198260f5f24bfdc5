import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../../functions/http.js';

/** `host[:port]`: a name, an IPv4 address or a bracketed IPv6 address. */
const hostHeader = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The request's URL as a function sees it, from its target and Host header. A Host header that names no host,
 * a target that is no URL or a path that is not valid percent-encoding is the client's error: 400.
 */
export function requestUrl(req: IncomingMessage): URL {
  const host = req.headers.host ?? '127.0.0.1';
  if (!hostHeader.test(host)) throw new HttpError(400, 'BadRequest', 'The Host header is not a host name or address.');
  try {
    const url = new URL(req.url ?? '/', `http://${host}`);
    decodeURIComponent(url.pathname);
    return url;
  } catch {
    throw new HttpError(400, 'BadRequest', 'The request path is not a valid URL path.');
  }
}

/** How long the rest of a body too large is read and dropped before the 413, so a client sending it all first reads the answer. */
const drainMs = 2_000;

/**
 * The request body, or null when it is larger than `limit` bytes (by its Content-Length or as it arrives): then the
 * rest is read to its end (for `drainMs` at most) and dropped. The 413 that follows must close the connection
 * (`Connection: close`), since the body may not have ended.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) drop();
      else chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    const drop = () => {
      req.off('data', onData).off('end', onEnd).off('error', reject);
      const dropped = () => {
        clearTimeout(timer);
        resolve(null);
      };
      const timer = setTimeout(dropped, drainMs);
      req.once('end', dropped).once('close', dropped).resume();
    };
    if (Number(req.headers['content-length']) > limit) return drop();
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/** A plain-text answer from a webhook path (the Event Grid and Event Hub stand-ins answer in plain text). */
export function replyText(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(message);
  return true;
}
