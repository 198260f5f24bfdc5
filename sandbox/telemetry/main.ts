/**
 * Runs the telemetry receiver as its own process:
 *   tsx sandbox/telemetry/main.ts [--port N]
 * Prints one JSON line with its URL; stops on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { startTelemetryReceiver } from './receiver.js';

const { values } = parseArgs({ options: { port: { type: 'string' } } });

try {
  const receiver = await startTelemetryReceiver(values.port === undefined ? 0 : Number(values.port));
  const stop = () => void receiver.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
} catch (error) {
  console.error(`Telemetry receiver failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
