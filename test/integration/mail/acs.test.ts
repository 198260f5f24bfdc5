import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcsTransport } from '../../../shared/mail/acsTransport.js';
import { PermanentMailError, TransientMailError, type MailTransport, type OutgoingMail } from '../../../shared/mail/transport.js';
import { startAcsDouble, type AcsDouble } from '../../support/acsDouble.js';

let acs: AcsDouble;
let transport: MailTransport;

beforeAll(async () => {
  acs = await startAcsDouble();
  transport = createAcsTransport({ connectionString: acs.connectionString }, { tlsOptions: { ca: acs.ca }, retryOptions: { maxRetries: 0 } });
});
afterAll(() => acs?.stop());

const mail = (key: string): OutgoingMail => ({
  idempotencyKey: key,
  from: 'DoNotReply@contoso.example',
  to: ['kv-admins@contoso.example', 'pp-admins@contoso.example'],
  subject: '[CMK outage] 1 environment down',
  text: 'text',
  html: '<p>html</p>',
});

describe('ACS Email transport', () => {
  it('sends through the REST API with the real EmailClient, the alert id as header', async () => {
    await transport.send(mail('key-disabled|kv|k|1|0'));
    expect(acs.messages.at(-1)).toMatchObject({
      senderAddress: 'DoNotReply@contoso.example',
      to: ['kv-admins@contoso.example', 'pp-admins@contoso.example'],
      subject: '[CMK outage] 1 environment down',
      headers: { 'X-CMK-Alert-Id': 'key-disabled|kv|k|1|0' },
    });
  });

  it('gives the same alert the same operation id, so ACS sends it once', async () => {
    const before = acs.messages.length;
    await transport.send(mail('key-expiring|kv|k|1|30'));
    await transport.send(mail('key-expiring|kv|k|1|30'));
    expect(acs.messages.length).toBe(before + 1);
  });

  it('reports an outage or throttling as transient, then sends once it recovers', async () => {
    acs.fail(503);
    await expect(transport.send(mail('access-revoked|kv|k|1|0'))).rejects.toBeInstanceOf(TransientMailError);
    acs.fail(429);
    await expect(transport.send(mail('access-revoked|kv|k|1|0'))).rejects.toBeInstanceOf(TransientMailError);
    acs.clearFaults();
    const before = acs.messages.length;
    await transport.send(mail('access-revoked|kv|k|1|0'));
    expect(acs.messages.length).toBe(before + 1);
  });

  it('reports a refused send as permanent', async () => {
    acs.fail(400, 1);
    await expect(transport.send(mail('x|kv|k|1|0'))).rejects.toBeInstanceOf(PermanentMailError);
  });
});
