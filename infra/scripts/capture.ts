/**
 * `npm run doctor -- --capture FILE`: every response the doctor received, for a bug report. Ids (GUIDs, and the
 * names in resource ids, hosts and name fields) are replaced by a short hash, the same input giving the same hash so
 * the responses still refer to one another; names are kept only with `--keep-names`. Tokens never reach it: only
 * responses are recorded, and no response carries one.
 */
import { createHash } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export interface CapturedResponse {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** The path segments after these name a resource. */
const namedSegments =
  /\/(subscriptions|resourcegroups|vaults|managedhsms|keys|versions|enterprisepolicies|systemtopics|eventsubscriptions|environments|roleassignments|roledefinitions)\/([^/?#]+)/gi;
const nameFields = new Set([
  'name',
  'displayname',
  'vaultname',
  'objectname',
  'vaulturi',
  'kid',
  'keyuri',
  'keyuriwithversion',
  'hsmuri',
  'scope',
  'source',
  'topic',
]);

export function hashOf(value: string): string {
  return `h-${createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 12)}`;
}

export function anonymize(value: unknown, keepNames: boolean, field = ''): unknown {
  if (typeof value === 'string') {
    let text = value.replace(guid, (id) => hashOf(id));
    if (keepNames) return text;
    text = text.replace(
      namedSegments,
      (_all, type: string, name: string) => `/${type}/${name.startsWith('h-') ? name : hashOf(name)}`,
    );
    // A vault's or Managed HSM's name is the first label of its host; the API hosts (management, bap) stay readable.
    text = text.replace(
      /^(https:\/\/)([^./:]+)(\.(?:vault|managedhsm)\.)/i,
      (_all, scheme: string, host: string, rest: string) => `${scheme}${hashOf(host)}${rest}`,
    );
    return nameFields.has(field.toLowerCase()) && !text.includes('/') && !text.startsWith('h-') ? hashOf(text) : text;
  }
  if (Array.isArray(value)) return value.map((item) => anonymize(item, keepNames, field));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, anonymize(item, keepNames, key)]));
  }
  return value;
}

/** A pipeline policy that keeps each response, anonymized, in `into`. */
export function capturePolicy(into: CapturedResponse[], keepNames: boolean): PipelinePolicy {
  return {
    name: 'doctorCapture',
    async sendRequest(request, next) {
      const response = await next(request);
      let body: unknown = response.bodyAsText ?? null;
      try {
        body = JSON.parse(response.bodyAsText ?? 'null');
      } catch {
        // Kept as text.
      }
      into.push({
        method: request.method,
        url: anonymize(request.url, keepNames) as string,
        status: response.status,
        body: anonymize(body, keepNames),
      });
      return response;
    },
  };
}
