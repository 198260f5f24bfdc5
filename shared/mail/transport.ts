export interface OutgoingMail {
  /** The alert's id: the same message always carries the same one, so a resend can be recognised. */
  idempotencyKey: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Resolves once the service has taken the message; throws TransientMailError or PermanentMailError. */
  send(mail: OutgoingMail): Promise<void>;
}

/** A send that may succeed later: server down or busy, 4xx, 429, 5xx from a service, network, credentials. */
export class TransientMailError extends Error {
  override readonly name = 'TransientMailError';
}

/** A send that will never succeed as it is: recipient or content refused. */
export class PermanentMailError extends Error {
  override readonly name = 'PermanentMailError';
}
