import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, stopServer } from '../../sandbox/double/server.js';
import { createCertificates } from '../../sandbox/double/tls.js';

export interface AcsMessage {
  operationId: string;
  senderAddress: string;
  to: string[];
  subject: string;
  headers: Record<string, string>;
}

export interface AcsDouble {
  connectionString: string;
  ca: string;
  messages: AcsMessage[];
  /** Answers the next `times` sends (all, when absent) with `status` (503, 429 …). */
  fail(status: number, times?: number): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

/**
 * The Azure Communication Services Email REST API over HTTPS, as EmailClient speaks it: `POST /emails:send` answers
 * 202 with `operation-location`, and the operation reads `Succeeded`. A repeated `Operation-Id` is the same send.
 */
export async function startAcsDouble(): Promise<AcsDouble> {
  const certificates = await createCertificates();
  const { server, port } = await startServer(certificates);
  const base = `https://127.0.0.1:${port}`;
  const messages: AcsMessage[] = [];
  let fault: { status: number; times: number } | null = null;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', base);
      const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? undefined : JSON.stringify(body));
      if (!/^HMAC-SHA256 |^Bearer /.test(req.headers.authorization ?? '')) return reply(401, { error: { code: 'Unauthorized', message: 'No credentials' } });
      const operation = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && operation) return reply(200, { id: operation[1], status: 'Succeeded' });
      if (req.method !== 'POST' || url.pathname !== '/emails:send') return reply(404, { error: { code: 'NotFound', message: url.pathname } });
      if (fault) {
        const { status } = fault;
        fault = fault.times > 1 ? { status, times: fault.times - 1 } : fault.times === 1 ? null : fault;
        return reply(status, { error: { code: 'ServiceUnavailable', message: 'Injected fault' } }, status === 429 ? { 'retry-after': '0' } : {});
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        senderAddress: string;
        content: { subject: string };
        recipients: { to: { address: string }[] };
        headers?: Record<string, string>;
      };
      const operationId = String(req.headers['operation-id'] ?? randomUUID());
      if (!messages.some((message) => message.operationId === operationId)) {
        messages.push({ operationId, senderAddress: body.senderAddress, to: body.recipients.to.map((r) => r.address), subject: body.content.subject, headers: body.headers ?? {} });
      }
      return reply(202, { id: operationId, status: 'Running' }, {
        'operation-location': `${base}/emails/operations/${operationId}?api-version=${url.searchParams.get('api-version') ?? ''}`,
        'operation-id': operationId,
        'retry-after': '0',
      });
    })();
  });

  return {
    connectionString: `endpoint=${base}/;accesskey=${Buffer.from('acs-double-key').toString('base64')}`,
    ca: certificates.ca,
    messages,
    fail: (status, times) => {
      fault = { status, times: times ?? 0 };
    },
    clearFaults: () => {
      fault = null;
    },
    stop: () => stopServer(server),
  };
}
