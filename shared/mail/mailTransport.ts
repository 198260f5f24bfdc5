import type { TokenCredential } from '@azure/core-auth';
import type { MailConfig } from '../config.js';
import { createAcsTransport } from './acsTransport.js';
import { createSmtpTransport } from './smtpTransport.js';
import type { MailTransport } from './transport.js';

/** The transport MAIL_TRANSPORT chose; ACS through the managed identity unless a connection string is given. */
export function mailTransport(mail: Exclude<MailConfig, { kind: 'none' }>, credential: TokenCredential, ca?: string): MailTransport {
  if (mail.kind === 'smtp') return createSmtpTransport(mail);
  const options = ca ? { tlsOptions: { ca } } : {};
  return 'endpoint' in mail ? createAcsTransport({ endpoint: mail.endpoint, credential }, options) : createAcsTransport(mail, options);
}
