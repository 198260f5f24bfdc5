import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../sandbox/azurite.js';
import { createCertificates, type DoubleCertificates } from '../../../sandbox/double/tls.js';
import { createSmtpTransport, messageIdOf, type SmtpSettings } from '../../../shared/adapters/mail/smtpTransport.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../../shared/application/ports/notifier.js';
import type { OutgoingMail } from '../../../shared/adapters/mail/transport.js';

interface Received {
  to: string[];
  parsed: ParsedMail;
}

/**
 * A real SMTP server on 127.0.0.1: `bounce@…` is refused with 550, `busy@…` with 451, a login other than
 * alerts/s3cret with 535; everything else is kept.
 */
async function startServer(
  extra: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alerts' && auth.password === 's3cret') return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce@'))
        return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
      if (address.address.startsWith('busy@'))
        return callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), parsed });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
    ...extra,
  });
  server.on('error', () => undefined); // a client that drops the TLS handshake is not the server's failure
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let plain: Awaited<ReturnType<typeof startServer>>;
let certificates: DoubleCertificates;

beforeAll(async () => {
  plain = await startServer();
  certificates = await createCertificates();
});
afterAll(() => plain?.stop());

const mail = (to: string[]): OutgoingMail => ({
  idempotencyKey: 'key-disabled|kv|k|1|0',
  from: 'cmk-monitor@contoso.example',
  to,
  subject: '[CMK outage] 1 environment down',
  text: 'plain text',
  html: '<p>html</p>',
});

const local = (settings: Partial<SmtpSettings> = {}) =>
  createSmtpTransport({ host: '127.0.0.1', port: plain.port, secure: false, ...settings });

describe('SMTP transport against a real SMTP server', () => {
  it('delivers text and HTML, marked Auto-Submitted, with a Message-ID and X-CMK-Alert-Id from the alert id that a resend keeps', async () => {
    const transport = local();
    await transport.send(mail(['kv-admins@contoso.example', 'pp-admins@contoso.example']));
    await transport.send(mail(['kv-admins@contoso.example', 'pp-admins@contoso.example']));
    const [first, second] = plain.received.slice(-2);
    expect(first?.to).toEqual(['kv-admins@contoso.example', 'pp-admins@contoso.example']);
    expect(first?.parsed.from?.text).toBe('cmk-monitor@contoso.example');
    expect(first?.parsed.subject).toBe('[CMK outage] 1 environment down');
    expect(first?.parsed.text?.trim()).toBe('plain text');
    expect(first?.parsed.html).toContain('<p>html</p>');
    expect(first?.parsed.headers.get('x-cmk-alert-id')).toBe('key-disabled|kv|k|1|0');
    expect(first?.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(first?.parsed.messageId).toBe(messageIdOf('key-disabled|kv|k|1|0'));
    expect(first?.parsed.messageId).toMatch(/^<[0-9a-f]{64}@cmk-monitor>$/);
    expect(second?.parsed.messageId).toBe(first?.parsed.messageId);
  });

  it('logs in, and reports a refused login as transient without the password in the error', async () => {
    const before = plain.received.length;
    await local({ user: 'alerts', password: 's3cret' }).send(mail(['kv-admins@contoso.example']));
    expect(plain.received.length).toBe(before + 1);
    const refused = await local({ user: 'alerts', password: 'wrong-password' })
      .send(mail(['kv-admins@contoso.example']))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransientDeliveryError);
    expect(String((refused as Error).message)).not.toContain('wrong-password');
  });

  it('reports a server that is down, or a deferred recipient, as transient', async () => {
    const down = createSmtpTransport({ host: '127.0.0.1', port: await freePort(), secure: false });
    await expect(down.send(mail(['kv-admins@contoso.example']))).rejects.toBeInstanceOf(TransientDeliveryError);
    await expect(local().send(mail(['busy@contoso.example']))).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it('reports a 550 recipient rejection as permanent, and delivers to the accepted ones of a mixed list', async () => {
    await expect(local().send(mail(['bounce@contoso.example']))).rejects.toBeInstanceOf(PermanentDeliveryError);
    await local().send(mail(['bounce@contoso.example', 'kv-admins@contoso.example']));
    expect(plain.received.at(-1)?.to).toEqual(['kv-admins@contoso.example']);
  });

  it('speaks implicit TLS to a server whose certificate the given CA signed, and refuses an untrusted one', async () => {
    const tls = await startServer({ secure: true, key: certificates.key, cert: certificates.cert });
    try {
      await createSmtpTransport({ host: '127.0.0.1', port: tls.port, secure: true, tls: { ca: certificates.ca } }).send(
        mail(['kv-admins@contoso.example']),
      );
      expect(tls.received).toHaveLength(1);
      const untrusted = createSmtpTransport({ host: '127.0.0.1', port: tls.port, secure: true });
      await expect(untrusted.send(mail(['kv-admins@contoso.example']))).rejects.toBeInstanceOf(TransientDeliveryError);
    } finally {
      await tls.stop();
    }
  });
});
