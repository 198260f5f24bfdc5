import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * Retries for every Azure client. The pipeline's retry policy waits out what Retry-After asks on 429 and 503 and backs
 * off exponentially otherwise; six tries, up to a minute apart, ride out a burst of throttling that the default three
 * would turn into an unknown status.
 */
export const retryOptions = { maxRetries: 6, retryDelayInMs: 1_000, maxRetryDelayInMs: 60_000 };

/** Counts the throttled answers (429, 503) met on every try, so a run can say how much throttling slowed it. */
export class ThrottleCounter {
  private count = 0;

  /** To add at `perRetry`, where each try's answer passes. */
  readonly policy: PipelinePolicy = {
    name: 'throttleCounter',
    sendRequest: async (request, next) => {
      const response = await next(request);
      if (response.status === 429 || response.status === 503) this.count++;
      return response;
    },
  };

  /** The throttled answers since this process began. */
  total(): number {
    return this.count;
  }
}
