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
  /**
   * Resolves once the service has taken the message; throws TransientDeliveryError or PermanentDeliveryError.
   * `signal` stops an ACS send and its polling when it aborts; an SMTP send ends within its socket timeouts.
   */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<void>;
}

/**
 * The headers every alert mail carries: its alert id, and `Auto-Submitted: auto-generated`, which marks it as sent by
 * a program rather than a person, so that vacation responders and other automatic replies stay silent
 * (RFC 3834 §5, https://www.rfc-editor.org/rfc/rfc3834#section-5).
 */
export function alertHeaders(mail: OutgoingMail): Record<string, string> {
  return { 'X-CMK-Alert-Id': mail.idempotencyKey, 'Auto-Submitted': 'auto-generated' };
}
