import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { EmailClient, type EmailClientOptions } from '@azure/communication-email';
import { PermanentDeliveryError, TransientDeliveryError } from '../../application/ports/notifier.js';
import { alertHeaders, type MailTransport, type OutgoingMail } from './transport.js';

export type AcsTarget = { endpoint: string; credential: TokenCredential } | { connectionString: string };

/**
 * Sends through Azure Communication Services Email and waits for the send operation to finish, or for `signal` (the
 * client polls the operation with the send's own options, so it stops the polling too). The request's
 * `Operation-Id` is derived from the alert id, so a retry after a lost answer names the same operation.
 * The alert headers go in the request's `headers`, which ACS adds to the message
 * (https://learn.microsoft.com/azure/communication-services/concepts/email/email-headers).
 * `options` are the client's pipeline options, e.g. `tlsOptions: { ca }` for a local double.
 */
export function createAcsTransport(target: AcsTarget, options: EmailClientOptions = {}): MailTransport {
  const client =
    'connectionString' in target
      ? new EmailClient(target.connectionString, options)
      : new EmailClient(target.endpoint, target.credential, options);
  return {
    async send(mail: OutgoingMail, signal?: AbortSignal) {
      try {
        const poller = await client.beginSend(
          {
            senderAddress: mail.from,
            content: { subject: mail.subject, plainText: mail.text, html: mail.html },
            recipients: { to: mail.to.map((address) => ({ address })) },
            headers: alertHeaders(mail),
          },
          { operationId: operationIdOf(mail.idempotencyKey), updateIntervalInMs: 1_000, abortSignal: signal },
        );
        const result = await poller.pollUntilDone();
        if (result.status !== 'Succeeded')
          throw new PermanentDeliveryError(`ACS send ${result.status}: ${result.error?.message ?? 'no detail'}`);
      } catch (error) {
        throw signal?.aborted
          ? new TransientDeliveryError('ACS: no result before the send was given up')
          : classify(error);
      }
    },
  };
}

/** A GUID-shaped id (the header's type) that is the same for the same alert. */
export function operationIdOf(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What @azure/core-lro throws when the operation reads `Failed` (beginSend already polls once, so no poller to ask). */
const operationFailed = 'The long-running operation has failed';

/**
 * By HTTP status: 408, 429 and 5xx are "try later", so are 401/403 (a key or role to fix, not the message);
 * any other 4xx refuses the message. An operation that ran and ended `Failed` is permanent; no status at all
 * (network, token) is transient.
 */
function classify(error: unknown): Error {
  if (error instanceof PermanentDeliveryError || error instanceof TransientDeliveryError) return error;
  const status = (error as { statusCode?: number } | null)?.statusCode;
  const text = error instanceof Error ? error.message : String(error);
  const message = `ACS ${status ? `${status} ` : ''}${text.split('\n')[0]}`;
  const permanent =
    status === undefined
      ? text.startsWith(operationFailed)
      : status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
  return permanent ? new PermanentDeliveryError(message) : new TransientDeliveryError(message);
}
