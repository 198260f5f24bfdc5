import { z } from 'zod';
import { issueOf, issuePath } from '../../text/issues.js';

export const formMediaType = 'application/x-www-form-urlencoded';

/** Longer than any channel's name. */
const maxName = 40;

const request = z.object(
  {
    channel: z
      .string({ error: 'expected the name of a channel' })
      .trim()
      .toLowerCase()
      .min(1, 'expected the name of a channel')
      .max(maxName, `expected at most ${maxName} characters`),
  },
  { error: 'expected an object such as {"channel": "teams"}' },
);

/** The channel to test, or what is wrong with the request: its media type (415) or its body (400). No value it holds is echoed. */
export type TestAlertRequest = { ok: true; channel: string } | { ok: false; status: 400 | 415; message: string };

/** `{"channel": "teams"}` as JSON, or `channel=teams` as a form posts it. */
export function decodeTestAlertRequest(mediaType: string, body: string): TestAlertRequest {
  if (mediaType === formMediaType) {
    const fields = new URLSearchParams(body);
    if (fields.getAll('channel').length > 1)
      return { ok: false, status: 400, message: 'channel: expected one channel' };
    return decode(Object.fromEntries(fields));
  }
  if (mediaType !== 'application/json')
    return { ok: false, status: 415, message: `The body must be application/json or ${formMediaType}.` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, status: 400, message: 'The body is not valid JSON.' };
  }
  return decode(value);
}

function decode(value: unknown): TestAlertRequest {
  const parsed = request.safeParse(value);
  if (parsed.success) return { ok: true, channel: parsed.data.channel };
  const { path, message } = issueOf(parsed.error);
  return { ok: false, status: 400, message: `${issuePath(path)}: ${message}` };
}
