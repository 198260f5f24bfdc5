import type { IncomingMessage, ServerResponse } from 'node:http';
import azureFunctions, { type HttpFunctionOptions } from '@azure/functions';
import { invocationContext } from './context.js';
import { matchRoute } from './routes.js';

const { HttpRequest, HttpResponse } = azureFunctions;

export interface HttpFunction {
  name: string;
  options: HttpFunctionOptions;
}

/**
 * Serves HTTP functions under /api/ as the Functions host does: route template, methods, then the handler
 * with a real HttpRequest and InvocationContext. Keys (authLevel) are not checked locally, as with Core Tools.
 */
export async function serveHttp(functions: HttpFunction[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  if (!url.pathname.startsWith('/api/')) return false;
  const path = url.pathname.slice('/api/'.length);
  const matches = functions
    .map((fn) => ({ fn, params: matchRoute(fn.options.route ?? fn.name, path) }))
    .filter((m): m is { fn: HttpFunction; params: Record<string, string> } => m.params !== null);
  const method = (req.method ?? 'GET').toUpperCase();
  const match = matches.find(({ fn }) => (fn.options.methods ?? ['GET', 'POST']).includes(method as never));
  if (!match) return false;

  const body = await readBody(req);
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? ''])),
    query: Object.fromEntries(url.searchParams),
    params: match.params,
    ...(body.length ? { body: { bytes: body } } : {}),
  });
  const result = await match.fn.options.handler(request, invocationContext(match.fn.name));
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  const payload = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(method === 'HEAD' ? undefined : payload);
  return true;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
