/**
 * What the requests the stores build themselves (`rowQuery.ts`, `batch.ts`) share: the address under the client's
 * account URL, the client's own pipeline (credential, retries, telemetry), and the service's refusal as a `RestError`.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type PipelineResponse,
  type RawHttpHeadersInput,
} from '@azure/core-rest-pipeline';

const httpClient = createDefaultHttpClient();

/**
 * The address of `path` under the client's account URL, with `query` and, after it, the SAS a SAS connection string
 * puts on that URL (`TableClient.fromConnectionString` keeps it there): the requests sent through the client's
 * pipeline carry it as the SDK's own do. `query` is already encoded.
 */
export function addressOf(table: TableClient, path: string, query = ''): string {
  const { root, sas } = partsOf(table);
  const search = [query, sas].filter(Boolean).join('&');
  return `${root}/${path}${search ? `?${search}` : ''}`;
}

/** The table's own address without the SAS, as a transaction names it in each of its operations. */
export function tableAddressOf(table: TableClient): string {
  return `${partsOf(table).root}/${encodeURIComponent(table.tableName)}`;
}

/** One request through the client's pipeline; its answer whatever the status (the pipeline does not throw on one). */
export function sendThroughClient(
  table: TableClient,
  request: { url: string; method: 'GET' | 'POST'; headers: RawHttpHeadersInput; body?: string | Buffer },
): Promise<PipelineResponse> {
  return table.pipeline.sendRequest(
    httpClient,
    createPipelineRequest({
      ...request,
      headers: createHttpHeaders(request.headers),
      allowInsecureConnection: request.url.startsWith('http:'),
    }),
  );
}

/**
 * The service's refusal as the SDK throws it: a `RestError` with the status and the `odata.error` code; its message
 * made by `describe` from the service's message, when the body has one.
 */
export function refusal(
  body: string,
  statusCode: number,
  describe: (message: string | undefined) => string,
): RestError {
  let error: { code?: string; message?: { value?: string } } | undefined;
  try {
    error = (JSON.parse(body) as { 'odata.error'?: typeof error })['odata.error'];
  } catch {
    error = undefined;
  }
  return new RestError(describe(error?.message?.value), { statusCode, ...(error?.code ? { code: error.code } : {}) });
}

function partsOf(table: TableClient): { root: string; sas: string } {
  const url = new URL(table.url);
  const sas = url.search.slice(1);
  url.search = '';
  return { root: url.toString().replace(/\/$/, ''), sas };
}
