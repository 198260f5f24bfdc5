import type { IncomingMessage, ServerResponse } from 'node:http';
import azureFunctions, {
  type HttpFunctionOptions,
  type HttpResponse as FunctionResponse,
  type HttpResponseInit,
} from '@azure/functions';
import { HttpError } from '../../functions/http.js';
import { invocationContext } from './context.js';
import { readBody } from './request.js';
import { matchRoute } from './routes.js';

const { HttpRequest, HttpResponse } = azureFunctions;

export interface HttpFunction {
  name: string;
  options: HttpFunctionOptions;
}

/** The Functions host refuses larger request bodies (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 100 MB by default). */
const maxBody = 100 * 1024 * 1024;

/** Methods the Fetch standard forbids: @azure/functions cannot make an HttpRequest of them. */
const unservable = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * Serves HTTP functions under /api/ as the Functions host does: route template, methods, then the handler
 * with a real HttpRequest and InvocationContext. Keys (authLevel) are not checked locally, as with Core Tools.
 * A path some function serves, asked with a method none of them takes, is a 405 with `Allow`.
 */
export async function serveHttp(
  functions: HttpFunction[],
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (!url.pathname.startsWith('/api/')) return false;
  const path = url.pathname.slice('/api/'.length);
  const matches = functions
    .map((fn) => ({ fn, params: matchRoute(fn.options.route ?? fn.name, path) }))
    .filter((m): m is { fn: HttpFunction; params: Record<string, string> } => m.params !== null);
  if (!matches.length) return false;
  const method = (req.method ?? 'GET').toUpperCase();
  const methodsOf = (fn: HttpFunction): string[] =>
    (fn.options.methods ?? ['GET', 'POST']).filter((m) => !unservable.has(m));
  const match = matches.find(({ fn }) => methodsOf(fn).includes(method));
  if (!match) {
    const allow = [...new Set(matches.flatMap(({ fn }) => methodsOf(fn)))].join(', ');
    throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed here; use ${allow}.`, { Allow: allow });
  }

  const body = await readBody(req, maxBody);
  if (!body)
    throw new HttpError(413, 'PayloadTooLarge', `The body is larger than ${maxBody} bytes.`, { Connection: 'close' });
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    ),
    query: Object.fromEntries(url.searchParams),
    params: match.params,
    ...(body.length ? { body: { bytes: body } } : {}),
  });
  await send(res, await match.fn.options.handler(request, invocationContext(match.fn.name)), method);
  return true;
}

/** Writes a function's answer (an HttpResponse or its init) to the wire; no body for HEAD. */
export async function send(
  res: ServerResponse,
  result: HttpResponseInit | FunctionResponse,
  method = 'GET',
): Promise<void> {
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  const payload = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(method === 'HEAD' ? undefined : payload);
}
