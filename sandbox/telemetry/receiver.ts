/**
 * A local OpenTelemetry receiver: OTLP/HTTP with JSON bodies, as the `@opentelemetry/exporter-*-otlp-http` packages
 * send them (`POST /v1/metrics`, `/v1/traces`, `/v1/logs`), answered as an OTLP collector answers: `{}` when taken,
 * and a Status message (`{ "message" }`) saying what was wrong when not. What it took is readable as JSON:
 * `GET /metrics` (each metric's last point per attribute set), `GET /traces` and `GET /logs` (the last 1,000 of each,
 * newest last). `DELETE /` forgets everything.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { z } from 'zod';
import { issueOf, issuePath } from '../../shared/text/issues.js';
import { logsRequest, metricsRequest, tracesRequest } from './otlp.js';
import { telemetryStore, type TelemetryStore } from './store.js';
import { closeServer, drain, pathOf, readBody, type BodyLimits } from '../requests.js';

export interface TelemetryReceiver {
  /** `http://127.0.0.1:PORT`, without a trailing slash: the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

const maxBodyBytes = 5 * 1024 * 1024;
const limits: BodyLimits = { maxBodyBytes, maxDrainBytes: 4 * maxBodyBytes };
const gunzipAsync = promisify(gunzip);

type Route =
  | { method: 'POST'; take: (body: unknown, store: TelemetryStore) => string | undefined }
  | { method: 'GET'; view: (store: TelemetryStore) => object }
  | { method: 'DELETE' };

const routes = new Map<string, Route>([
  [
    '/v1/metrics',
    { method: 'POST', take: (body, store) => take(metricsRequest, body, (value) => store.addMetrics(value)) },
  ],
  [
    '/v1/traces',
    { method: 'POST', take: (body, store) => take(tracesRequest, body, (value) => store.addSpans(value)) },
  ],
  ['/v1/logs', { method: 'POST', take: (body, store) => take(logsRequest, body, (value) => store.addLogs(value)) }],
  ['/metrics', { method: 'GET', view: (store) => store.metrics() }],
  ['/traces', { method: 'GET', view: (store) => store.spans() }],
  ['/logs', { method: 'GET', view: (store) => store.logs() }],
  ['/', { method: 'DELETE' }],
]);

export async function startTelemetryReceiver(port = 0): Promise<TelemetryReceiver> {
  const store = telemetryStore();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, failure(500, 'internal error')));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => undefined);
    const path = pathOf(req.url);
    const route = path === null ? undefined : routes.get(path);
    if (!route) return drainThen(req, res, failure(404, `nothing at ${req.url ?? ''}: ${describeRoutes()}`));
    if (req.method !== route.method)
      return drainThen(req, res, {
        ...failure(405, `${path} takes ${route.method} only`),
        headers: { allow: route.method },
      });
    if (route.method === 'GET') return drainThen(req, res, { status: 200, body: route.view(store) });
    if (route.method === 'DELETE') {
      store.clear();
      return drainThen(req, res, { status: 200, body: {} });
    }

    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return drainThen(
        req,
        res,
        failure(
          415,
          `this receiver takes OTLP/HTTP JSON only (Content-Type: application/json; got ${type || 'none'}): set OTEL_EXPORTER_OTLP_PROTOCOL=http/json`,
        ),
      );
    }
    const encoding = req.headers['content-encoding']?.trim().toLowerCase() || 'identity';
    if (encoding !== 'identity' && encoding !== 'gzip')
      return drainThen(req, res, failure(415, `Content-Encoding ${encoding} is not taken: send gzip or none`));
    const raw = await readBody(req, limits);
    if (raw === null) return send(res, tooLarge);
    let bytes: Buffer;
    try {
      bytes = encoding === 'gzip' ? await gunzipAsync(raw, { maxOutputLength: maxBodyBytes }) : raw;
    } catch (error) {
      return send(
        res,
        (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
          ? tooLarge
          : failure(400, 'the body is not valid gzip'),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      return send(
        res,
        failure(400, `the body is not JSON (${error instanceof Error ? error.message : String(error)})`),
      );
    }
    const problem = route.take(body, store);
    send(res, problem ? failure(400, problem) : { status: 200, body: {} });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

/** Stores the records a request carries, or says what is wrong with it (nothing is stored then). */
function take<T>(request: z.ZodType<T[]>, body: unknown, add: (records: T[]) => void): string | undefined {
  let parsed: ReturnType<typeof request.safeParse>;
  try {
    parsed = request.safeParse(body);
  } catch {
    return 'the body nests too deeply to read';
  }
  if (!parsed.success) {
    const { path, message } = issueOf(parsed.error);
    return `${issuePath(path)}: ${message}`;
  }
  add(parsed.data);
  return undefined;
}

function describeRoutes(): string {
  return [...routes].map(([path, { method }]) => `${method} ${path}`).join(', ');
}

function failure(status: number, message: string): Answer {
  return { status, body: { message } };
}
const tooLarge = failure(413, `the body is over ${maxBodyBytes / 1024 / 1024} MB`);

function drainThen(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  drain(req, limits, () => send(res, answer));
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...answer.headers,
  });
  res.end(text);
}
