/**
 * An HTTPS double of the Azure Communication Services Email REST API, as `EmailClient` speaks it:
 * `POST /emails:send?api-version=…` answers 202 with `operation-location`, and
 * `GET /emails/operations/{id}?api-version=…` reads `Succeeded` (or `Failed`, when told to).
 * A repeated `Operation-Id` header names the same operation: the message is recorded once.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, stopServer } from '../double/server.js';
import { createCertificates, type DoubleCertificates } from '../double/tls.js';

export interface AcsMessage {
  operationId: string;
  senderAddress: string;
  to: string[];
  subject: string;
  plainText: string | undefined;
  html: string | undefined;
  headers: Record<string, string>;
}

export interface AcsDouble {
  /** `https://127.0.0.1:PORT/` */
  endpoint: string;
  /** `endpoint=…;accesskey=…` for `new EmailClient(connectionString, { tlsOptions: { ca } })`. */
  connectionString: string;
  /** PEM of the CA that signed the double's certificate. */
  ca: string;
  /** The messages accepted so far, oldest first (a copy). */
  messages(): AcsMessage[];
  /** Answers the next `times` requests (every request until cleared, when absent) with `status`: 503, 429, 400 … */
  fail(status: number, times?: number): void;
  /** Lets the next `times` accepted sends (default 1) end their operation `Failed`, as a refused message does. */
  failOperations(times?: number): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

export interface AcsDoubleOptions {
  /** Certificates to present, e.g. to share a CA with other doubles; new ones are made otherwise. */
  certificates?: DoubleCertificates;
  /** Called with each message as it is accepted, e.g. to print it. */
  onMessage?: (message: AcsMessage) => void;
}

interface Operation {
  id: string;
  status: 'Succeeded' | 'Failed';
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function startAcsDouble(options: AcsDoubleOptions = {}): Promise<AcsDouble> {
  const certificates = options.certificates ?? (await createCertificates());
  const { server, port } = await startServer(certificates);
  const endpoint = `https://127.0.0.1:${port}/`;
  const messages: AcsMessage[] = [];
  const operations = new Map<string, Operation>();
  let fault: { status: number; remaining: number | undefined } | null = null;
  let failingOperations = 0;

  const handle = (method: string, url: URL, headers: IncomingMessage['headers'], text: string): Reply => {
    if (!/^(HMAC-SHA256|Bearer)\s+\S/i.test(headers.authorization ?? ''))
      return error(401, 'Unauthorized', 'No HMAC-SHA256 or Bearer authorization');
    if (fault && fault.remaining !== 0) {
      if (fault.remaining !== undefined) fault.remaining--;
      return error(
        fault.status,
        fault.status === 429 ? 'TooManyRequests' : fault.status >= 500 ? 'ServiceUnavailable' : 'BadRequest',
        'Injected fault',
      );
    }
    if (!url.searchParams.get('api-version'))
      return error(400, 'MissingApiVersionParameter', 'api-version is required');
    const operationPath = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && operationPath) {
      const operation = operations.get(decodeURIComponent(operationPath[1] ?? ''));
      if (!operation) return error(404, 'NotFound', 'No such operation');
      return {
        status: 200,
        body:
          operation.status === 'Succeeded'
            ? operation
            : { ...operation, error: { code: 'EmailDropped', message: 'Injected failure' } },
      };
    }
    if (method !== 'POST' || url.pathname !== '/emails:send')
      return error(404, 'NotFound', `${method} ${url.pathname}`);
    const message = parseMessage(text);
    if (typeof message === 'string') return error(400, 'BadRequest', message);
    const header = headers['operation-id'];
    const id = typeof header === 'string' && header ? header : randomUUID();
    if (!operations.has(id)) {
      operations.set(id, { id, status: failingOperations > 0 ? 'Failed' : 'Succeeded' });
      if (failingOperations > 0) failingOperations--;
      else {
        const recorded = { operationId: id, ...message };
        messages.push(recorded);
        options.onMessage?.(recorded);
      }
    }
    return {
      status: 202,
      body: { id, status: 'Running' },
      headers: {
        'operation-location': new URL(
          `emails/operations/${id}?api-version=${encodeURIComponent(url.searchParams.get('api-version') ?? '')}`,
          endpoint,
        ).href,
        'operation-id': id,
        'retry-after': '0',
      },
    };
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const reply = handle(
        req.method ?? 'GET',
        new URL(req.url ?? '/', endpoint),
        req.headers,
        Buffer.concat(chunks).toString('utf8'),
      );
      const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res
        .writeHead(reply.status, {
          'content-type': 'application/json',
          'x-ms-request-id': randomUUID(),
          ...reply.headers,
        })
        .end(body);
    })().catch((failure: unknown) => res.destroy(failure instanceof Error ? failure : undefined));
  });

  return {
    endpoint,
    connectionString: `endpoint=${endpoint};accesskey=${Buffer.from('acs-double-key').toString('base64')}`,
    ca: certificates.ca,
    messages: () => [...messages],
    fail: (status, times) => {
      fault = { status, remaining: times };
    },
    failOperations: (times = 1) => {
      failingOperations = times;
    },
    clearFaults: () => {
      fault = null;
      failingOperations = 0;
    },
    stop: () => stopServer(server),
  };
}

/** The ACS error shape; 429 carries `Retry-After`. */
function error(status: number, code: string, message: string): Reply {
  return { status, body: { error: { code, message } }, headers: status === 429 ? { 'retry-after': '1' } : {} };
}

/** The fields a send request must have, or what is wrong with it. */
function parseMessage(text: string): Omit<AcsMessage, 'operationId'> | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'The body is not JSON';
  }
  const { senderAddress, content, recipients, headers } = (body ?? {}) as {
    senderAddress?: unknown;
    content?: { subject?: unknown; plainText?: unknown; html?: unknown };
    recipients?: { to?: unknown };
    headers?: unknown;
  };
  if (typeof senderAddress !== 'string' || !senderAddress) return 'senderAddress is required';
  if (typeof content?.subject !== 'string') return 'content.subject is required';
  const plainText = typeof content.plainText === 'string' ? content.plainText : undefined;
  const html = typeof content.html === 'string' ? content.html : undefined;
  if (plainText === undefined && html === undefined) return 'content needs plainText or html';
  const to = Array.isArray(recipients?.to)
    ? (recipients.to as unknown[]).map((recipient) => (recipient as { address?: unknown } | null)?.address)
    : [];
  if (!to.length || !to.every((address): address is string => typeof address === 'string' && address.includes('@')))
    return 'recipients.to needs addresses';
  const customHeaders =
    headers && typeof headers === 'object'
      ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]))
      : {};
  return { senderAddress, to, subject: content.subject, plainText, html, headers: customHeaders };
}
