/**
 * The response bodies the monitor received on the wire, for the least CPU any monitor needs to read what the scan was
 * sent (the parse floor): Table Storage's put through JSON.parse as they arrive and let go; Azure's (nearly all the
 * bytes) counted, and parsed after the phase as the transport floor fetches them again, so the parses' garbage is not
 * collected inside the phase. Nothing is kept, so the phase's peak RSS is the monitor's own; the capture's own time is
 * counted apart, so it can be taken out of the phase's CPU.
 *
 * One per-call pipeline policy per client family, passed as `createServices`' wiring (`azurePolicies`: Key Vault, ARM
 * and the Power Platform admin API, which all go through the SDK pipeline, `AzureRestReader` included;
 * `tablePolicies`: Table Storage). A per-call policy sees the final answer of each call, with `bodyAsText` already read
 * by the HTTP client. Not seen: the managed identity's token answers (the credential's own pipeline; the warm-up
 * fetched every token, so the scans ask for none) and Key Vault's 401 challenges (answered inside the client's auth
 * policy, before the retry it makes; the monitor reads only their header).
 *
 * Table Storage's $batch answers are multipart: the Tables SDK JSON.parses the body of each sub-answer that has one
 * (an error). Successful writes answer 204 without a body, so those answers are only counted; the JSON inside one
 * holding any `{` is cut out (as the SDK does) and parsed into the floor.
 */
import { performance } from 'node:perf_hooks';
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';

export type BodySource = 'azure' | 'tables';

export interface SourceCounts {
  /** JSON answers, and (Azure's, whose parse is timed after the phase) their UTF-8 bytes. */
  json: number;
  jsonBytes: number;
  /** Multipart answers ($batch), their size in characters, and the JSON bodies found inside them (after the phase). */
  multipart: number;
  multipartChars: number;
  jsonInMultipart: number;
  /** Answers neither JSON nor multipart, and their size in characters. */
  other: number;
  otherChars: number;
  /** Answers without a body (204s). */
  empty: number;
}

export interface ParseFloor {
  /** Time in JSON.parse of every JSON body (a synchronous parse: its wall time is its CPU). */
  cpuMs: number;
  /** The JSON bodies parsed: whole answers, and sub-answers of $batch answers. */
  bodies: number;
  /** UTF-8 bytes of those bodies. */
  bytes: number;
  /** All the capture's own time during the phase, parses included: take it out of the phase's CPU. */
  captureMs: number;
  bySource: Record<BodySource, SourceCounts>;
}

export class BodyCapture {
  private armed = false;
  private floor: ParseFloor = emptyFloor();

  /** The policy for one client family; bodies are parsed only between arm() and take(). */
  policy(source: BodySource): PipelinePolicy {
    return {
      name: `benchBodyCapture-${source}`,
      sendRequest: async (request, next) => {
        const response = await next(request);
        if (this.armed) {
          const started = performance.now();
          this.parse(source, response);
          this.floor.captureMs += performance.now() - started;
        }
        return response;
      },
    };
  }

  /** Starts a new floor. */
  arm(): void {
    this.floor = emptyFloor();
    this.armed = true;
  }

  /** Stops parsing; the floor stays until take() or the next arm(). */
  stop(): void {
    this.armed = false;
  }

  /** Stops parsing and hands over the floor. */
  take(): ParseFloor {
    const floor = this.floor;
    this.armed = false;
    this.floor = emptyFloor();
    return floor;
  }

  private parse(source: BodySource, response: PipelineResponse): void {
    const counts = this.floor.bySource[source];
    const text = response.bodyAsText;
    const type = response.headers.get('content-type') ?? '';
    if (!text) {
      counts.empty++;
    } else if (/json/i.test(type)) {
      counts.json++;
      // An Azure answer is parsed after the phase, when the transport floor fetches it again (bench/transport.ts), so
      // that the phase's heap holds none of the floor's garbage; the bytes say whether the replay got the same answers.
      if (source === 'azure') {
        counts.jsonBytes += Buffer.byteLength(text);
        return;
      }
      this.time(text);
    } else if (/^multipart\//i.test(type)) {
      counts.multipart++;
      counts.multipartChars += text.length;
      if (!text.includes('{')) return;
      const inside = jsonInMultipart(text);
      counts.jsonInMultipart += inside.length;
      for (const body of inside) this.time(body);
    } else {
      counts.other++;
      counts.otherChars += text.length;
    }
  }

  private time(body: string): void {
    const started = performance.now();
    const parsed: unknown = JSON.parse(body);
    this.floor.cpuMs += performance.now() - started;
    if (parsed !== undefined) this.floor.bodies++;
    this.floor.bytes += Buffer.byteLength(body);
  }
}

function emptyFloor(): ParseFloor {
  const counts = (): SourceCounts => ({
    json: 0,
    jsonBytes: 0,
    multipart: 0,
    multipartChars: 0,
    jsonInMultipart: 0,
    other: 0,
    otherChars: 0,
    empty: 0,
  });
  return { cpuMs: 0, bodies: 0, bytes: 0, captureMs: 0, bySource: { azure: counts(), tables: counts() } };
}

/** The JSON body of each sub-answer of a $batch answer, found as the Tables SDK finds it (parseTransactionResponse). */
function jsonInMultipart(text: string): string[] {
  return text
    .split('--changesetresponse_')
    .slice(1, -1)
    .flatMap((part) => /\{(.*)\}/.exec(part)?.[0] ?? [])
    .filter((body) => {
      // The SDK reads what does not parse as no error; the floor parses only what does.
      try {
        JSON.parse(body);
        return true;
      } catch {
        return false;
      }
    });
}
