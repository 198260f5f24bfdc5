/**
 * Runs the channel receiver as its own process:
 *   WEBHOOK_SECRET=whsec_… tsx sandbox/channels/main.ts [--port N]
 * The secret comes in the environment, not the command line, where any local user could read it.
 * Prints one JSON line with its URL; stops on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { startChannelReceiver } from './receiver.js';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const webhookSecret = process.env.WEBHOOK_SECRET;
if (!webhookSecret) {
  console.error('Channel receiver: WEBHOOK_SECRET must be set');
  process.exit(1);
}

try {
  const receiver = await startChannelReceiver({
    webhookSecret,
    ...(values.port !== undefined && { port: Number(values.port) }),
  });
  const stop = () => void receiver.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
} catch (error) {
  console.error(`Channel receiver failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
