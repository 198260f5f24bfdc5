import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { PermanentMailError, TransientMailError, type MailTransport, type OutgoingMail } from './transport.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user: string | null;
  password: string | null;
}

/** Sends through an SMTP server with nodemailer; a resent alert keeps its Message-ID. */
export function createSmtpTransport(settings: SmtpSettings): MailTransport {
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user && { auth: { user: settings.user, pass: settings.password ?? '' } }),
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
          messageId: `<${createHash('sha256').update(mail.idempotencyKey).digest('hex')}@cmk-monitor>`,
          headers: { 'X-CMK-Alert-Id': mail.idempotencyKey },
        });
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

function classify(error: unknown): Error {
  const { responseCode, message } = error as { responseCode?: number; message?: string };
  const text = `SMTP ${responseCode ? `${responseCode} ` : ''}${(message ?? String(error)).split('\n')[0]}`;
  return responseCode !== undefined && responseCode >= 500 ? new PermanentMailError(text) : new TransientMailError(text);
}
