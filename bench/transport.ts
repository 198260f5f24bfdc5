/**
 * The transport floor: the CPU to fetch again every Azure answer a phase received, through a bare Azure pipeline
 * (core-rest-pipeline's default policies over TLS to the double, the phase's own tokens), and put each through
 * JSON.parse. A monitor that reads Azure through the Azure SDK spends at least that before it does anything with what
 * it was sent. The answers are fetched a second way, through Node's `https` alone: what receiving them over TLS costs
 * a Node program without the SDK. A last fetch keeps their texts and parses them one after another, after a full
 * collection: the Azure part of the parse floor (the run checks it got the bytes the phase got). Only GETs that
 * carried a token are replayed (Key Vault's unauthenticated challenges are not), and Table Storage is not: its reads
 * are few in a scan, its writes are the scan's own work.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import { Agent, get as httpsGet } from 'node:https';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';

export interface TransportFloor {
  /** The lower of two replays' CPU, in ms (the first warms the connections). */
  cpuMs: number;
  /**
   * The same through Node's own `https` and nothing else (a keep-alive agent of 8 sockets, each body gathered, decoded
   * and parsed): what any Node program that receives these answers over TLS spends, SDK or not.
   */
  nodeCpuMs: number;
  /** The time to JSON.parse every JSON answer once more, one after another, and their bytes. */
  parseMs: number;
  jsonBytes: number;
  requests: number;
  /** Requests of the phase not replayed: without a token, or not a GET. */
  skipped: number;
}

interface Recorded {
  url: string;
  authorization: string;
}

/** Records the Azure requests a phase makes, between arm() and take(); a per-call policy of the Azure clients. */
export class RequestLog {
  private armed = false;
  private recorded: Recorded[] = [];
  private skipped = 0;

  readonly policy: PipelinePolicy = {
    name: 'benchRequestLog',
    sendRequest: async (request, next) => {
      const response = await next(request);
      if (this.armed) {
        // The token is set by a policy after this one: it is on the request once the answer is back.
        const authorization = response.request.headers.get('authorization');
        if (request.method === 'GET' && authorization) this.recorded.push({ url: request.url, authorization });
        else this.skipped++;
      }
      return response;
    },
  };

  arm(): void {
    this.armed = true;
  }

  take(): { recorded: Recorded[]; skipped: number } {
    const taken = { recorded: this.recorded, skipped: this.skipped };
    this.armed = false;
    this.recorded = [];
    this.skipped = 0;
    return taken;
  }
}

/** Replays the requests, 8 at a time as the scan's slots, twice each way, and returns the lower CPU of each two. */
export async function transportFloor(log: RequestLog, ca: string): Promise<TransportFloor> {
  const { recorded, skipped } = log.take();
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca } });
  const client = createDefaultHttpClient();
  const replay = () => {
    const limit = pLimit(8);
    return cpuOf(() =>
      Promise.all(
        recorded.map(({ url, authorization }) =>
          limit(async () => {
            const response = await pipeline.sendRequest(
              client,
              createPipelineRequest({
                url,
                method: 'GET',
                headers: createHttpHeaders({ authorization, accept: 'application/json' }),
              }),
            );
            if (response.bodyAsText) JSON.parse(response.bodyAsText);
          }),
        ),
      ),
    );
  };
  const cpuMs = Math.min(await replay(), await replay());
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca });
  const fetchAll = (onJson: (text: string, bytes: number) => void) =>
    Promise.all(
      recorded.map(
        ({ url, authorization }) =>
          new Promise<void>((resolve, reject) => {
            const headers = { authorization, accept: 'application/json' };
            const request = httpsGet(url, { agent, headers }, (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => {
                const bytes = Buffer.concat(chunks);
                if (bytes.length && /json/i.test(response.headers['content-type'] ?? ''))
                  onJson(bytes.toString('utf8'), bytes.length);
                resolve();
              });
              response.on('error', reject);
            });
            request.on('error', reject);
          }),
      ),
    );
  const receiveAndParse = () => cpuOf(() => fetchAll((text) => void JSON.parse(text)));
  const nodeCpuMs = Math.min(await receiveAndParse(), await receiveAndParse());
  // The parse floor's Azure part: every JSON answer parsed in a run of its own, after a full collection, so that no
  // other work's garbage is collected inside it.
  const texts: string[] = [];
  let jsonBytes = 0;
  await fetchAll((text, bytes) => {
    texts.push(text);
    jsonBytes += bytes;
  });
  agent.destroy();
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  for (const text of texts) JSON.parse(text);
  const parseMs = performance.now() - started;
  return { cpuMs, nodeCpuMs, parseMs, jsonBytes, requests: recorded.length, skipped };
}

async function cpuOf(run: () => Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  await run();
  const cpu = process.cpuUsage(started);
  return (cpu.user + cpu.system) / 1000;
}
