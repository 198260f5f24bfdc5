import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { EmailClient, type EmailClientOptions } from '@azure/communication-email';
import { PermanentMailError, TransientMailError, type MailTransport, type OutgoingMail } from './transport.js';

export type AcsTarget = { endpoint: string; credential: TokenCredential } | { connectionString: string };

/**
 * Sends through Azure Communication Services Email. The operation id is derived from the alert id, and ACS
 * treats a repeated operation id as the same send, so a retry after a lost answer does not send twice.
 */
export function createAcsTransport(target: AcsTarget, options: EmailClientOptions = {}): MailTransport {
  const client =
    'connectionString' in target ? new EmailClient(target.connectionString, options) : new EmailClient(target.endpoint, target.credential, options);
  return {
    async send(mail: OutgoingMail) {
      try {
        const poller = await client.beginSend(
          {
            senderAddress: mail.from,
            content: { subject: mail.subject, plainText: mail.text, html: mail.html },
            recipients: { to: mail.to.map((address) => ({ address })) },
            headers: { 'X-CMK-Alert-Id': mail.idempotencyKey },
          },
          { operationId: operationIdOf(mail.idempotencyKey), updateIntervalInMs: 1_000 },
        );
        const result = await poller.pollUntilDone();
        if (result.status !== 'Succeeded') throw new PermanentMailError(`ACS send ${result.status}: ${result.error?.message ?? 'no detail'}`);
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

/** A GUID-shaped id that is the same for the same alert. */
function operationIdOf(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function classify(error: unknown): Error {
  if (error instanceof PermanentMailError || error instanceof TransientMailError) return error;
  const status = (error as { statusCode?: number } | null)?.statusCode;
  const message = `ACS ${status ? `${status} ` : ''}${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
  const permanent = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
  return permanent ? new PermanentMailError(message) : new TransientMailError(message);
}
