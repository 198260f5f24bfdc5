import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';
import { record } from '../../telemetry/instruments.js';

/** Extra rounds of the client's own retries for an answer that says when to come back. */
const patientRounds = 3;
const longestWaitMs = 60_000;

/**
 * Waits out throttling that outlasts the client's own retries (three, which already honour Retry-After): a 429 or 503
 * that says when to come back (Retry-After, or x-ms-retry-after-ms) is tried again then, up to three more rounds, so
 * a burst of throttling slows a run instead of turning a status unknown. An answer that names no time is left to the
 * client's exponential retries alone, so an outage still fails fast enough for Event Grid to deliver again. Add it
 * per call, outside the client's retry policy.
 */
export const patientThrottling: PipelinePolicy = {
  name: 'patientThrottling',
  sendRequest: async (request, next) => {
    let response = await next(request);
    for (let round = 0; round < patientRounds; round++) {
      const waitMs = retryAfterMs(response);
      if (waitMs === null) break;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      response = await next(request);
    }
    return response;
  },
};

function retryAfterMs(response: PipelineResponse): number | null {
  if (response.status !== 429 && response.status !== 503) return null;
  const ms = Number(response.headers.get('x-ms-retry-after-ms'));
  if (response.headers.get('x-ms-retry-after-ms') && Number.isFinite(ms))
    return Math.min(Math.max(ms, 0), longestWaitMs);
  const header = response.headers.get('retry-after');
  if (!header) return null;
  const seconds = Number(header);
  const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(waitMs) ? Math.min(Math.max(waitMs, 0), longestWaitMs) : null;
}

/** The Azure services the monitor calls, as its request metrics name them (telemetry/names.json). */
export type AzureService = 'arm' | 'keyvault' | 'powerplatform' | 'storage';

/**
 * Counts every try of every Azure request by service and status class, and the throttled answers (429, 503), into
 * the request metrics; keeps the throttled total so a run can say how much throttling slowed it.
 */
export class ThrottleCounter {
  private count = 0;

  /** To add at `perRetry` of the clients of `service`, where each try's answer passes. */
  policy(service: AzureService): PipelinePolicy {
    return {
      name: 'throttleCounter',
      sendRequest: async (request, next) => {
        let response: PipelineResponse;
        try {
          response = await next(request);
        } catch (error) {
          record('azureRequests', 1, { service, status_class: 'error' });
          throw error;
        }
        const throttled = response.status === 429 || response.status === 503;
        if (throttled) {
          this.count++;
          record('throttled', 1, { service });
        }
        record('azureRequests', 1, {
          service,
          status_class: throttled ? 'throttled' : `${Math.floor(response.status / 100)}xx`,
        });
        return response;
      },
    };
  }

  /** The throttled answers since this process began. */
  total(): number {
    return this.count;
  }
}
