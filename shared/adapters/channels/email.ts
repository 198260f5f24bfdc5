import { z } from 'zod';
import { contentOf } from '../../alerts/content.js';
import { renderMail } from '../mail/layout.js';
import { mailTransport } from '../mail/mailTransport.js';
import { reaches } from '../../alerts/notice.js';
import { PermanentDeliveryError } from '../../application/ports/notifier.js';
import { defineChannel } from './channel.js';
import { hostOf, minSeverity } from './settings.js';

/** How long a mail send may wait for the service: below the 30 s the outbox gives a send (application/alerting.ts). */
const mailSendMs = 25_000;

/** Mail through SMTP or Azure Communication Services (MAIL_TRANSPORT), to the admins by duty or a policy's own list. */
export const email = defineChannel({
  name: 'email',
  settings: z.object({ EMAIL_MIN_SEVERITY: minSeverity('info') }).transform((s) => ({ minSeverity: s.EMAIL_MIN_SEVERITY })),
  async create(settings, { alerts, credential, ca }) {
    const { mail } = alerts;
    const transport = mail.kind === 'none' ? null : await mailTransport(mail, credential, ca);
    return {
      name: 'email',
      target: mail.kind === 'none' ? 'no mail transport' : mail.kind === 'smtp' ? mail.host : 'endpoint' in mail ? hostOf(mail.endpoint) : 'Azure Communication Services',
      ready: transport !== null,
      takes: (notice) => reaches(notice, settings.minSeverity),
      async send(notice) {
        if (!transport) throw new Error('email: no mail transport');
        if (!notice.recipients.length) throw new PermanentDeliveryError('No recipients: set ALERT_TO_KEYVAULT_ADMINS / ALERT_TO_POWERPLATFORM_ADMINS');
        const message = renderMail(contentOf(notice, alerts.dashboardUrl));
        await transport.send({ idempotencyKey: notice.id, from: alerts.from ?? '', to: notice.recipients, ...message }, AbortSignal.timeout(mailSendMs));
      },
    };
  },
});
