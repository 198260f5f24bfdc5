import { ServiceClient, type ServiceClientOptions } from '@azure/core-client';
import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';

/**
 * A GET-only client for the Azure REST APIs that have no JS SDK (enterprise policies, the Power Platform
 * admin API): the SDK pipeline's bearer auth, retries with Retry-After, and TLS settings, nothing else.
 */
export class AzureRestReader {
  private readonly client: ServiceClient;

  constructor(credential: TokenCredential, scope: string, options: ServiceClientOptions = {}) {
    this.client = new ServiceClient({ ...options, credential, credentialScopes: [scope] });
  }

  /** Every item of a `{ value, nextLink }` list, following nextLink. */
  async *list(url: string): AsyncGenerator<unknown> {
    let next: string | undefined = url;
    while (next) {
      const page = await this.get(next);
      const value = (page as { value?: unknown } | null)?.value;
      if (!Array.isArray(value)) throw new RestError(`Expected a list with "value" from ${redact(next)}`, { statusCode: 200 });
      yield* value;
      const link = (page as { nextLink?: unknown }).nextLink;
      next = typeof link === 'string' && link ? link : undefined;
    }
  }

  private async get(url: string): Promise<unknown> {
    const response = await this.client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
    if (response.status < 200 || response.status > 299) {
      throw new RestError(`GET ${redact(url)} answered ${response.status}: ${errorText(response.bodyAsText ?? undefined)}`, {
        statusCode: response.status,
      });
    }
    try {
      return JSON.parse(response.bodyAsText ?? 'null');
    } catch {
      throw new RestError(`GET ${redact(url)} returned a body that is not JSON`, { statusCode: response.status });
    }
  }
}

function redact(url: string): string {
  return url.split('?')[0] ?? url;
}

function errorText(body: string | undefined): string {
  try {
    const error = (JSON.parse(body ?? '') as { error?: { code?: unknown; message?: unknown } }).error;
    return [error?.code, error?.message].filter((part) => typeof part === 'string').join(': ').slice(0, 300) || 'no detail';
  } catch {
    return 'no detail';
  }
}
