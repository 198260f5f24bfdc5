/**
 * The transport floor: the CPU to fetch again every Azure answer a phase received, through a bare Azure pipeline
 * (core-rest-pipeline's default policies over TLS to the double, the phase's own tokens), and put each through
 * JSON.parse. A monitor that reads Azure through the Azure SDK spends at least that before it does anything with what
 * it was sent; the parse floor is the part of it that JSON.parse takes. Only GETs that carried a token are replayed
 * (Key Vault's unauthenticated challenges are not), and Table Storage is not: its reads are few in a scan, its writes
 * are the scan's own work.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import pLimit from 'p-limit';

export interface TransportFloor {
  /** The lower of two replays' CPU, in ms (the first warms the connections). */
  cpuMs: number;
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

/** Replays the requests, 8 at a time as the scan's slots, twice, and returns the lower CPU of the two. */
export async function transportFloor(log: RequestLog, ca: string): Promise<TransportFloor> {
  const { recorded, skipped } = log.take();
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca } });
  const client = createDefaultHttpClient();
  const replay = async () => {
    const limit = pLimit(8);
    const started = process.cpuUsage();
    await Promise.all(
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
    );
    const cpu = process.cpuUsage(started);
    return (cpu.user + cpu.system) / 1000;
  };
  const cpuMs = Math.min(await replay(), await replay());
  return { cpuMs, requests: recorded.length, skipped };
}
