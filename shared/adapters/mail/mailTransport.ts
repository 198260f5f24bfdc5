import type { TokenCredential } from '@azure/core-auth';
import type { MailTransport } from './transport.js';

/** How mail leaves (MAIL_TRANSPORT): not at all, through an SMTP server, or through Azure Communication Services. */
export type MailConfig =
  | { kind: 'none' }
  | { kind: 'smtp'; host: string; port: number; secure: boolean; user: string | null; password: string | null }
  | { kind: 'acs'; endpoint: string }
  | { kind: 'acs'; connectionString: string };

/**
 * The transport MAIL_TRANSPORT chose; ACS through the managed identity unless a connection string is given.
 * Each transport's module (nodemailer, the ACS client) is imported here, on first use, so an app with
 * MAIL_TRANSPORT=none, or with the other transport, never loads it at start-up.
 */
export async function mailTransport(
  mail: Exclude<MailConfig, { kind: 'none' }>,
  credential: TokenCredential,
  ca?: string,
): Promise<MailTransport> {
  if (mail.kind === 'smtp') {
    const { createSmtpTransport } = await import('./smtpTransport.js');
    return createSmtpTransport(mail);
  }
  const { createAcsTransport } = await import('./acsTransport.js');
  const options = ca ? { tlsOptions: { ca } } : {};
  return 'endpoint' in mail
    ? createAcsTransport({ endpoint: mail.endpoint, credential }, options)
    : createAcsTransport(mail, options);
}
