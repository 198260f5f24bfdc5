import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcsDouble, type AcsDouble } from '../../../sandbox/acs/acsDouble.js';
import { startServer, stopServer } from '../../../sandbox/double/server.js';
import { createCertificates } from '../../../sandbox/double/tls.js';
import { createAcsTransport, operationIdOf } from '../../../shared/adapters/mail/acsTransport.js';
import { mailTransport } from '../../../shared/adapters/mail/mailTransport.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../../shared/application/ports/notifier.js';
import type { MailTransport, OutgoingMail } from '../../../shared/adapters/mail/transport.js';

let acs: AcsDouble;
let transport: MailTransport;

beforeAll(async () => {
  acs = await startAcsDouble();
  // No pipeline retries here, so an injected fault reaches the transport at once.
  transport = createAcsTransport(
    { connectionString: acs.connectionString },
    { tlsOptions: { ca: acs.ca }, retryOptions: { maxRetries: 0 } },
  );
});
afterAll(() => acs?.stop());

const mail = (key: string): OutgoingMail => ({
  idempotencyKey: key,
  from: 'DoNotReply@contoso.example',
  to: ['kv-admins@contoso.example', 'pp-admins@contoso.example'],
  subject: '[CMK outage] 1 environment down',
  text: 'plain text',
  html: '<p>html</p>',
});

describe('ACS Email transport against the REST double', () => {
  it('sends with the real EmailClient over TLS: content, recipients, alert id and Auto-Submitted headers, operation id', async () => {
    await transport.send(mail('key-disabled|kv|k|1|0'));
    expect(acs.messages().at(-1)).toEqual({
      operationId: operationIdOf('key-disabled|kv|k|1|0'),
      senderAddress: 'DoNotReply@contoso.example',
      to: ['kv-admins@contoso.example', 'pp-admins@contoso.example'],
      subject: '[CMK outage] 1 environment down',
      plainText: 'plain text',
      html: '<p>html</p>',
      headers: { 'X-CMK-Alert-Id': 'key-disabled|kv|k|1|0', 'Auto-Submitted': 'auto-generated' },
    });
    expect(operationIdOf('key-disabled|kv|k|1|0')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives the same alert the same operation id, so a resend is one message', async () => {
    const before = acs.messages().length;
    await transport.send(mail('key-expiring|kv|k|1|30'));
    await transport.send(mail('key-expiring|kv|k|1|30'));
    expect(acs.messages().length).toBe(before + 1);
  });

  it('reports an outage or throttling as transient, then delivers once after recovery', async () => {
    const before = acs.messages().length;
    acs.fail(503);
    await expect(transport.send(mail('access-revoked|kv|k|1|0'))).rejects.toBeInstanceOf(TransientDeliveryError);
    acs.fail(429);
    await expect(transport.send(mail('access-revoked|kv|k|1|0'))).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(acs.messages().length).toBe(before);
    acs.clearFaults();
    await transport.send(mail('access-revoked|kv|k|1|0'));
    await transport.send(mail('access-revoked|kv|k|1|0'));
    expect(acs.messages().length).toBe(before + 1);
  });

  it('reports a refused request, or an operation that ends Failed, as permanent', async () => {
    acs.fail(400, 1);
    await expect(transport.send(mail('refused|kv|k|1|0'))).rejects.toBeInstanceOf(PermanentDeliveryError);
    acs.failOperations(1);
    await expect(transport.send(mail('dropped|kv|k|1|0'))).rejects.toBeInstanceOf(PermanentDeliveryError);
    acs.clearFaults();
  });

  it('is the transport MAIL_TRANSPORT=acs chooses, loaded on first use, trusting the extra CA', async () => {
    const unusedCredential = { getToken: async () => null };
    const chosen = await mailTransport(
      { kind: 'acs', connectionString: acs.connectionString },
      unusedCredential,
      acs.ca,
    );
    await chosen.send(mail('chosen|kv|k|1|0'));
    expect(acs.messages().at(-1)?.operationId).toBe(operationIdOf('chosen|kv|k|1|0'));
  });

  it.each(['the send', 'the operation'] as const)(
    'gives up, as transient, when the service stalls %s past the signal',
    async (stalled) => {
      const certificates = await createCertificates();
      const { server, port } = await startServer(certificates);
      const endpoint = `https://127.0.0.1:${port}/`;
      // Answers nothing; or accepts the send, reads it running once (the client's first poll), then answers no more.
      let answers = stalled === 'the operation' ? 2 : 0;
      server.on('request', (req, res) => {
        req.resume();
        if (answers-- <= 0) return;
        const location = `${endpoint}emails/operations/stalled?api-version=2023-03-31`;
        res
          .writeHead(req.method === 'POST' ? 202 : 200, {
            'content-type': 'application/json',
            'operation-location': location,
            'operation-id': 'stalled',
            'retry-after': '0',
          })
          .end('{"id":"stalled","status":"Running"}');
      });
      try {
        const stalling = createAcsTransport(
          { connectionString: `endpoint=${endpoint};accesskey=${Buffer.from('key').toString('base64')}` },
          { tlsOptions: { ca: certificates.ca }, retryOptions: { maxRetries: 0 } },
        );
        const error = await stalling
          .send(mail('stalled|kv|k|1|0'), AbortSignal.timeout(500))
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(TransientDeliveryError);
        expect((error as Error).message).toBe('ACS: no result before the send was given up');
      } finally {
        await stopServer(server);
      }
    },
  );

  it('reports an unreachable service as transient', async () => {
    const down = await startAcsDouble();
    await down.stop();
    const unreachable = createAcsTransport(
      { connectionString: down.connectionString },
      { tlsOptions: { ca: down.ca }, retryOptions: { maxRetries: 0 } },
    );
    await expect(unreachable.send(mail('down|kv|k|1|0'))).rejects.toBeInstanceOf(TransientDeliveryError);
  });
});
