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
    for await (const page of this.pages(url)) yield* page;
  }

  /**
   * The pages of a `{ value, nextLink }` list. The next page is requested as soon as this one's nextLink is known,
   * so it is on the wire while the caller works through this one.
   */
  async *pages(url: string): AsyncGenerator<unknown[]> {
    let pending: Promise<ListPage> | undefined = this.page(url);
    while (pending) {
      const { value, next }: ListPage = await pending;
      pending = next ? this.page(next) : undefined;
      // A caller that stops early never awaits the page in flight: its failure is not theirs to handle.
      pending?.catch(() => undefined);
      yield value;
    }
  }

  private async page(url: string): Promise<ListPage> {
    const page = await this.get(url);
    const value = (page as { value?: unknown } | null)?.value;
    if (!Array.isArray(value))
      throw new RestError(`Expected a list with "value" from ${redact(url)}`, { statusCode: 200 });
    const link = (page as { nextLink?: unknown }).nextLink;
    return { value, next: typeof link === 'string' && link ? link : undefined };
  }

  private async get(url: string): Promise<unknown> {
    const response = await this.client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
    if (response.status < 200 || response.status > 299) {
      throw new RestError(
        `GET ${redact(url)} answered ${response.status}: ${errorText(response.bodyAsText ?? undefined)}`,
        {
          statusCode: response.status,
        },
      );
    }
    try {
      return JSON.parse(response.bodyAsText ?? 'null');
    } catch {
      throw new RestError(`GET ${redact(url)} returned a body that is not JSON`, { statusCode: response.status });
    }
  }
}

type ListPage = { value: unknown[]; next: string | undefined };

function redact(url: string): string {
  return url.split('?')[0] ?? url;
}

function errorText(body: string | undefined): string {
  try {
    const error = (JSON.parse(body ?? '') as { error?: { code?: unknown; message?: unknown } }).error;
    return (
      [error?.code, error?.message]
        .filter((part) => typeof part === 'string')
        .join(': ')
        .slice(0, 300) || 'no detail'
    );
  } catch {
    return 'no detail';
  }
}
