// Runs in a process of its own (the distro installs global providers, and Node reads NODE_EXTRA_CA_CERTS at start):
// telemetry as functions/index.ts starts it, then one observed timer invocation under the host's trace that reports
// a scan, and the distro's shutdown, which sends what it holds.
import azureFunctions, { type Timer } from '@azure/functions';
import { shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { observed } from '../../functions/observed.js';
import { startTelemetry } from '../../shared/telemetry/start.js';
import { reportScan, reportWaiting } from '../../shared/telemetry/report.js';

// A CommonJS package whose classes Node's ESM loader cannot name: take them from the default export.
const { InvocationContext } = azureFunctions;
const started = await startTelemetry(process.env);
// The distro samples at most 5 traces a second, a rate it learns from time passed: a span in the first 200 ms after
// start is dropped. The host calls no function that soon.
await new Promise((resolve) => setTimeout(resolve, 500));
const timer = observed({
  trigger: 'timer',
  name: 'expiryScan',
  options: {
    schedule: '0 0 * * * *',
    handler: async () => {
      reportScan('success', 1_500, new Date());
      reportWaiting([], ['email'], new Date());
    },
  },
});
if (timer.trigger !== 'timer') throw new Error('not a timer');
const traceParent = process.env.TRACEPARENT ?? '';
await timer.options.handler(
  {} as Timer,
  new InvocationContext({
    invocationId: 'run',
    functionName: 'expiryScan',
    traceContext: { traceParent, traceState: '', attributes: {} },
  }),
);
await shutdownAzureMonitor();
process.stdout.write(`${JSON.stringify(started)}\n`);
