import { z } from 'zod';
import { contentOf } from '../../domain/alerts/content.js';
import { renderMail } from '../mail/layout.js';
import { mailTransport } from '../mail/mailTransport.js';
import { reaches } from '../../domain/alerts/notice.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../application/ports/notifier.js';
import { defineChannel } from './channel.js';
import { hostOf, minSeverity } from './settings.js';

/** How long a mail send may wait for the service: below the 30 s the outbox gives a send (application/alerting.ts). */
const mailSendMs = 25_000;

/** Mail through SMTP or Azure Communication Services (MAIL_TRANSPORT), to the admins by duty or a policy's own list. */
export const email = defineChannel({
  name: 'email',
  settings: z
    .object({ EMAIL_MIN_SEVERITY: minSeverity('info') })
    .transform((s) => ({ minSeverity: s.EMAIL_MIN_SEVERITY })),
  async create(settings, { alerts, credential, ca }) {
    const { mail } = alerts;
    const transport = mail.kind === 'none' ? null : await mailTransport(mail, credential, ca);
    return {
      name: 'email',
      target:
        mail.kind === 'none'
          ? 'no mail transport'
          : mail.kind === 'smtp'
            ? mail.host
            : 'endpoint' in mail
              ? hostOf(mail.endpoint)
              : 'Azure Communication Services',
      ready: transport !== null,
      takes: (notice) => reaches(notice, settings.minSeverity),
      async send(notice) {
        if (!transport)
          throw new TransientDeliveryError('email: no mail transport', 0, {
            advice: 'no mail transport is set: set MAIL_TRANSPORT to smtp or acs, with its settings',
          });
        if (!notice.recipients.length)
          throw new PermanentDeliveryError(
            'No recipients: set ALERT_TO_KEYVAULT_ADMINS / ALERT_TO_POWERPLATFORM_ADMINS',
          );
        const message = renderMail(contentOf(notice, alerts.dashboardUrl));
        await transport
          .send(
            { idempotencyKey: notice.id, from: alerts.from ?? '', to: notice.recipients, ...message },
            AbortSignal.timeout(mailSendMs),
          )
          .catch((error: unknown) => {
            throw advised(error);
          });
      },
    };
  },
});

/** The transport's failure with what a person can do about it: the mail service refused the message, or did not take it. */
function advised(error: unknown): unknown {
  if (error instanceof PermanentDeliveryError) {
    return new PermanentDeliveryError(error.message, {
      ...error.detail,
      advice: `the mail service refused the message (${error.message}): check MAIL_FROM (a sender it allows) and the ALERT_TO_* addresses`,
    });
  }
  if (error instanceof TransientDeliveryError) {
    return new TransientDeliveryError(error.message, error.retryAfterMs, {
      ...error.detail,
      advice: `the mail service did not take the message (${error.message}): check MAIL_TRANSPORT and its settings, and that the function app can reach the service`,
    });
  }
  return error;
}
