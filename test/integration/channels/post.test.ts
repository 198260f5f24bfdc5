import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from '../../../shared/application/ports/notifier.js';
import { post } from '../../../shared/adapters/channels/post.js';
import { startReceiver } from '../../support/receiver.js';

let receiver: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  receiver = await startReceiver((req, _body, res) => {
    const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(status, status === 302 ? { location: 'https://elsewhere.example/' } : { 'content-type': 'text/plain' });
    res.end(status >= 400 ? `refused\r\nsecond line ${status}` : 'ok');
  });
});
afterAll(() => receiver?.stop());

const secretPath = '/services/T000/B000/s3cret';
const send = (status: number) => post('slack', `${receiver.url}/status/${status}${secretPath}`, '{}', { 'content-type': 'application/json' });

describe('posting to a receiver', () => {
  it('is done on a 2xx', async () => {
    expect((await send(200)).status).toBe(200);
    expect((await send(204)).status).toBe(204);
  });

  it.each([408, 429, 500, 503])('tries again later on %i, naming the answer but never the URL', async (status) => {
    const error = await send(status).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as Error).message).toBe(`slack answered ${status}: refused second line ${status}`);
  });

  it.each([400, 401, 403, 404, 410, 413, 302])('gives up on %i, with the answer', async (status) => {
    const error = await send(status).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toMatch(new RegExp(`^slack answered ${status}`));
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('tries again later when nobody answers', async () => {
    const gone = await startReceiver(() => undefined);
    await gone.stop();
    const error = await post('teams', `${gone.url}${secretPath}`, '{}', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as Error).message).toBe('teams: no answer (ECONNREFUSED)');
  });
});
