import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../sandbox/azurite.js';
import { createSmtpTransport } from '../../../shared/mail/smtpTransport.js';
import { PermanentMailError, TransientMailError, type OutgoingMail } from '../../../shared/mail/transport.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';

let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink?.stop());

const mail: OutgoingMail = {
  idempotencyKey: 'key-disabled|kv|k|1|0',
  from: 'cmk-monitor@contoso.example',
  to: ['kv-admins@contoso.example'],
  subject: '[CMK outage] 1 environment down',
  text: 'plain',
  html: '<p>html</p>',
};

describe('SMTP transport', () => {
  it('delivers text and HTML with a Message-ID and header derived from the alert id', async () => {
    const transport = createSmtpTransport({ host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null });
    await transport.send(mail);
    await transport.send(mail);
    const [first, second] = sink.received.slice(-2);
    expect(first?.to).toEqual(['kv-admins@contoso.example']);
    expect(first?.parsed.text?.trim()).toBe('plain');
    expect(first?.parsed.html).toContain('<p>html</p>');
    expect(first?.parsed.headers.get('x-cmk-alert-id')).toBe('key-disabled|kv|k|1|0');
    expect(first?.parsed.messageId).toMatch(/^<[0-9a-f]{64}@cmk-monitor>$/);
    expect(second?.parsed.messageId).toBe(first?.parsed.messageId);
  });

  it('reports a server that is down or busy as transient, and a refusal as permanent', async () => {
    const down = createSmtpTransport({ host: '127.0.0.1', port: await freePort(), secure: false, user: null, password: null });
    await expect(down.send(mail)).rejects.toBeInstanceOf(TransientMailError);
    const transport = createSmtpTransport({ host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null });
    sink.failWith(421);
    await expect(transport.send(mail)).rejects.toBeInstanceOf(TransientMailError);
    sink.failWith(550);
    await expect(transport.send(mail)).rejects.toBeInstanceOf(PermanentMailError);
    sink.failWith(null);
  });
});
