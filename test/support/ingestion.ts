import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createCertificates } from '../../sandbox/double/tls.js';

/** One telemetry item as Application Insights' ingestion endpoint takes it (the envelope of the Breeze `track` API). */
export interface Envelope {
  name: string;
  iKey: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, unknown> & { properties?: Record<string, string> } };
}

export interface IngestionDouble {
  /** `https://127.0.0.1:PORT/`, the IngestionEndpoint of a connection string. */
  endpoint: string;
  /** PEM of the CA its certificate chains to. */
  ca: string;
  received: Envelope[];
  stop(): Promise<void>;
}

/**
 * Application Insights' ingestion endpoint, as the Azure Monitor exporter posts to it: `POST /v2.1/track`, a JSON
 * array of envelopes, gzip or not, over HTTPS; it answers with the counts the exporter reads back.
 */
export async function startIngestionDouble(): Promise<IngestionDouble> {
  const certificates = await createCertificates();
  const received: Envelope[] = [];
  const server: Server = createServer({ cert: certificates.cert, key: certificates.key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const items =
        request.method === 'POST' && request.url === '/v2.1/track'
          ? ([] as Envelope[]).concat(JSON.parse(body.toString('utf8')) as Envelope[])
          : [];
      received.push(...items);
      response.writeHead(items.length ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}/`,
    ca: certificates.ca,
    received,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
