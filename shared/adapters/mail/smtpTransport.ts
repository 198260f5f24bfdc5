import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { PermanentDeliveryError, TransientDeliveryError } from '../../application/ports/notifier.js';
import { alertHeaders, type MailTransport, type OutgoingMail } from './transport.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string | null;
  password?: string | null;
  /** An extra CA to trust (PEM), or `rejectUnauthorized: false` for a test server. */
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

/** The Message-ID of an alert: the same alert always gets the same one, so a resend is recognisable. */
export function messageIdOf(idempotencyKey: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex')}@cmk-monitor>`;
}

/**
 * Sends through an SMTP server with nodemailer, one connection per send. Nodemailer's logger stays off, and
 * errors carry only the server's reply, so credentials never reach a log.
 */
export function createSmtpTransport(settings: SmtpSettings): MailTransport {
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    ...(settings.tls ? { tls: settings.tls } : {}),
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail: OutgoingMail) {
      try {
        await transporter.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: messageIdOf(mail.idempotencyKey),
          headers: alertHeaders(mail),
        });
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

/**
 * Permanent only when this message is refused: a 5xx to its sender, every recipient or its content, or nodemailer
 * finding its envelope invalid before sending. A 5xx at connection or login is the server's or the settings'
 * problem and clears once they are fixed; a 4xx is "try later".
 */
function classify(error: unknown): Error {
  const { code, responseCode, message } = (error ?? {}) as { code?: string; responseCode?: number; message?: string };
  const text = `SMTP ${code ?? 'error'}${responseCode ? ` ${responseCode}` : ''}: ${(message ?? String(error)).split('\n')[0]}`;
  const refused = (code === 'EENVELOPE' || code === 'EMESSAGE') && (responseCode === undefined || responseCode >= 500);
  return refused ? new PermanentDeliveryError(text) : new TransientDeliveryError(text);
}
