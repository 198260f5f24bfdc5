/**
 * The response bodies the monitor received on the wire, kept for one phase, then timed through JSON.parse: the least
 * CPU any monitor needs to read what the scan was sent (the parse floor).
 *
 * One per-call pipeline policy per client family, passed as `createServices`' wiring (`azurePolicies`: Key Vault, ARM
 * and the Power Platform admin API, which all go through the SDK pipeline, `AzureRestReader` included;
 * `tablePolicies`: Table Storage). A per-call policy sees the final answer of each call, with `bodyAsText` already read
 * by the HTTP client. Not seen: the managed identity's token answers (the credential's own pipeline; the warm-up
 * fetched every token, so the scans ask for none) and Key Vault's 401 challenges (answered inside the client's auth
 * policy, before the retry it makes; the monitor reads only their header).
 *
 * Table Storage's $batch answers are multipart: the Tables SDK JSON.parses the body of each sub-answer that has one
 * (an error). Successful writes answer 204 without a body, so those answers are only counted; one holding any `{` is
 * kept, and its sub-answers' JSON is cut out (as the SDK does) after the phase, into the floor.
 */
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';

export type BodySource = 'azure' | 'tables';

export interface SourceCounts {
  /** JSON answers. */
  json: number;
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

export interface CapturedBodies {
  /** JSON bodies, as received. */
  json: string[];
  /** Multipart answers with something that may be JSON inside. */
  multipart: string[];
  bySource: Record<BodySource, SourceCounts>;
}

export interface ParseFloor {
  /** CPU (user + system) of one JSON.parse of every JSON body, median of the passes. */
  cpuMs: number;
  passes: number[];
  /** The JSON bodies parsed: whole answers, and sub-answers of $batch answers. */
  bodies: number;
  /** UTF-8 bytes of those bodies. */
  bytes: number;
  /** UTF-8 bytes of every answer kept during the phase (the JSON ones and the multipart ones with a `{`). */
  keptBytes: number;
  bySource: Record<BodySource, SourceCounts>;
}

export class BodyCapture {
  private armed = false;
  private captured: CapturedBodies = emptyCapture();

  /** The policy for one client family; bodies are kept only between arm() and take(). */
  policy(source: BodySource): PipelinePolicy {
    return {
      name: `benchBodyCapture-${source}`,
      sendRequest: async (request, next) => {
        const response = await next(request);
        if (this.armed) this.keep(source, response);
        return response;
      },
    };
  }

  /** Starts keeping bodies (dropping any kept before). */
  arm(): void {
    this.captured = emptyCapture();
    this.armed = true;
  }

  /** Stops keeping bodies; what was kept stays until take() or the next arm(). */
  stop(): void {
    this.armed = false;
  }

  /** Stops keeping bodies and hands over what was kept; the capture holds nothing afterwards. */
  take(): CapturedBodies {
    const captured = this.captured;
    this.armed = false;
    this.captured = emptyCapture();
    return captured;
  }

  private keep(source: BodySource, response: PipelineResponse): void {
    const counts = this.captured.bySource[source];
    const text = response.bodyAsText;
    const type = response.headers.get('content-type') ?? '';
    if (!text) {
      counts.empty++;
    } else if (/json/i.test(type)) {
      // Only the reference: the text is the one the SDK parses, so nothing is copied while the phase runs.
      this.captured.json.push(text);
      counts.json++;
    } else if (/^multipart\//i.test(type)) {
      counts.multipart++;
      counts.multipartChars += text.length;
      if (text.includes('{')) this.captured.multipart.push(text);
    } else {
      counts.other++;
      counts.otherChars += text.length;
    }
  }
}

function emptyCapture(): CapturedBodies {
  const counts = (): SourceCounts => ({
    json: 0,
    multipart: 0,
    multipartChars: 0,
    jsonInMultipart: 0,
    other: 0,
    otherChars: 0,
    empty: 0,
  });
  return { json: [], multipart: [], bySource: { azure: counts(), tables: counts() } };
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

/** JSON.parse of every JSON body, `passes` times, timed in this process's CPU; the median pass. */
export function parseFloor(captured: CapturedBodies, passes = 3): ParseFloor {
  const inMultipart = captured.multipart.flatMap(jsonInMultipart);
  // Only $batch answers are multipart, and only the Table clients send them.
  captured.bySource.tables.jsonInMultipart = inMultipart.length;
  const bodies = [...captured.json, ...inMultipart];
  const samples: number[] = [];
  // Every parsed value is looked at, so none of the parses is work the compiler could leave out.
  let values = 0;
  for (let pass = 0; pass < passes; pass++) {
    const start = process.cpuUsage();
    for (const body of bodies) if (JSON.parse(body) !== undefined) values++;
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    cpuMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    passes: samples,
    bodies: values / Math.max(1, passes),
    bytes: bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0),
    keptBytes: [...captured.json, ...captured.multipart].reduce((sum, body) => sum + Buffer.byteLength(body), 0),
    bySource: captured.bySource,
  };
}
