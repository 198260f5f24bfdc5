import { z } from 'zod';
import { severities } from '../../domain/model.js';

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A receiver's URL: https, or http to this machine (a local receiver in the sandbox). It carries a secret: no value is ever echoed. */
export const receiverUrl = z.string({ error: 'must be set' }).refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && loopback.has(url.hostname));
    } catch {
      return false;
    }
  },
  { message: 'must be an https URL (http only to this machine)' },
);

/** The least severity a channel receives. */
export const minSeverity = (fallback: (typeof severities)[number]) =>
  z.enum(severities, { message: `must be one of ${severities.join(', ')}` }).default(fallback);

/** The bytes of a signing secret: `whsec_` and base64 (as Standard Webhooks tools generate them), or the text itself. */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export const signingSecret = z
  .string({ error: 'must be set' })
  .refine((value) => secretBytes(value).length >= 32, { message: 'must be at least 32 bytes' });

/** The host a channel's URL names: what the API and the dashboard show instead of the URL. */
export function hostOf(url: string): string {
  return new URL(url).host;
}
