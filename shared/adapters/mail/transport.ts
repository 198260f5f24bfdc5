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
  /** Resolves once the service has taken the message; throws TransientDeliveryError or PermanentDeliveryError. */
  send(mail: OutgoingMail): Promise<void>;
}
