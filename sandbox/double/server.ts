/** HTTP plumbing shared by every part of the double: routing, bearer check, latency, faults, counting, JSON replies. */
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimsOf } from './identity.js';
import { requestScope } from './requestScope.js';
import type { FaultRegistry, RequestCounter } from './traffic.js';

export interface DoubleRequest {
  method: string;
  /** The request URL, its path with repeated slashes collapsed (ARM clients send `//subscriptions/...`). */
  url: URL;
  query: URLSearchParams;
  /** The route pattern's captures, URL-decoded. */
  params: string[];
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** The request kind counted by `requests()`, e.g. `keyvault.getKey`. */
  kind: string;
  /** The fault targets this request falls under. */
  targets: (request: DoubleRequest) => string[];
  handle: (request: DoubleRequest) => Reply | Promise<Reply>;
}

/** One answered request, as a service's log sees it. */
export interface Exchange {
  kind: string;
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  reply: Reply;
}

export interface Service {
  /** Prefix of the kinds counted for requests no route serves: `<name>.unknown`, `<name>.unauthenticated`. */
  name: string;
  /** Sees every request a route matched, with its answer (Key Vault's audit log). */
  observe?: (exchange: Exchange) => void;
  routes: Route[];
  /** The answer to a request without a bearer token; absent when the service takes none. */
  unauthenticated?: () => Reply;
  /** The service's error for an injected fault or a malformed request body. */
  fault: (status: number) => Reply;
  /** The service's refusal of a request whose api-version it does not serve (or that has none); undefined when it does. */
  apiVersion?: (request: DoubleRequest) => Reply | undefined;
  unknownRoute: () => Reply;
}

export interface Traffic {
  latencyMs: number;
  counter: RequestCounter;
  faults: FaultRegistry;
}

/** `{ error: { code, message } }`, the shape Key Vault, ARM and the Power Platform API share; 429s carry `Retry-After: 1`. */
export function errorReply(status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  return {
    status,
    body: { error: { code, message } },
    headers: status === 429 ? { 'retry-after': '1', ...headers } : headers,
  };
}

export function createListener(
  service: Service,
  traffic: Traffic,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    respond(service, traffic, req)
      .catch((error: unknown): Reply => {
        console.error(`[azure double] ${service.name} ${req.method} ${req.url} failed:`, error);
        return errorReply(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
      })
      .then(
        (reply) => send(res, reply),
        (error: unknown) => res.destroy(error instanceof Error ? error : undefined),
      );
  };
}

async function respond(service: Service, traffic: Traffic, req: IncomingMessage): Promise<Reply> {
  const text = await readText(req);
  if (traffic.latencyMs > 0) await sleep(traffic.latencyMs);
  const scheme = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  const [path = '/', ...query] = (req.url ?? '/').split('?');
  const url = new URL(
    [path.replace(/\/{2,}/g, '/'), ...query].join('?'),
    `${scheme}://${req.headers.host ?? '127.0.0.1'}`,
  );
  const method = req.method ?? 'GET';
  const matched = matchRoute(service.routes, method, url.pathname);
  if (!matched) {
    traffic.counter.count(`${service.name}.unknown`);
    return service.unknownRoute();
  }
  if (service.unauthenticated && !hasBearerToken(req.headers)) {
    traffic.counter.count(`${service.name}.unauthenticated`);
    const reply = service.unauthenticated();
    service.observe?.({ kind: matched.route.kind, method, url, headers: req.headers, reply });
    return reply;
  }
  const { route, params } = matched;
  traffic.counter.count(route.kind);
  const reply = await answer(
    service,
    traffic,
    route,
    { method, url, query: url.searchParams, params, headers: req.headers, body: undefined },
    text,
  );
  service.observe?.({ kind: route.kind, method, url, headers: req.headers, reply });
  return reply;
}

async function answer(
  service: Service,
  traffic: Traffic,
  route: Route,
  request: DoubleRequest,
  text: string,
): Promise<Reply> {
  try {
    request.body = text === '' ? undefined : JSON.parse(text);
  } catch {
    return service.fault(400);
  }
  const refusal = service.apiVersion?.(request);
  if (refusal) return refusal;
  const faultStatus = traffic.faults.take(route.targets(request));
  if (faultStatus !== undefined) return service.fault(faultStatus);
  return requestScope.run(
    { service: service.name, method: request.method, caller: claimsOf(request.headers.authorization) },
    () => route.handle(request),
  );
}

function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1).map((param) => decodeURIComponent(param ?? '')) };
  }
  return undefined;
}

function hasBearerToken(headers: IncomingHttpHeaders): boolean {
  return /^Bearer\s+\S+/i.test(headers.authorization ?? '');
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { 'x-ms-request-id': randomUUID(), ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res
    .writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
}

export interface Tls {
  cert: string;
  key: string;
}

/**
 * Listens on 127.0.0.1 on a free port (HTTPS when given a certificate, else plain HTTP) before anything serves
 * requests, so a port can be handed out first; attach the listener with `server.on('request', …)`.
 */
export async function startServer(tls?: Tls): Promise<{ server: Server; port: number }> {
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export async function stopServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
