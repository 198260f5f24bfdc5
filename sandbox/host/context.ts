import { randomBytes, randomUUID } from 'node:crypto';
import azureFunctions, { type InvocationContext } from '@azure/functions';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

// A CommonJS package whose classes Node's ESM loader cannot name: take them from the default export.
const { InvocationContext: Context } = azureFunctions;

const severities = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  information: SeverityNumber.INFO,
  warning: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  critical: SeverityNumber.FATAL,
  none: SeverityNumber.UNSPECIFIED,
};

/**
 * An invocation context as the Functions host makes one: a new trace for the invocation (`traceContext.traceParent`,
 * W3C), and logs that go to this process's console, prefixed with the function name, and to telemetry with the trace
 * of the span they were written in.
 */
export function invocationContext(
  functionName: string,
  triggerMetadata: Record<string, unknown> = {},
): InvocationContext {
  const invocationId = randomUUID();
  return new Context({
    invocationId,
    functionName,
    triggerMetadata,
    traceContext: {
      traceParent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
      traceState: '',
      attributes: {},
    },
    logHandler: (level, ...args) => {
      const message = args.map(String).join(' ');
      const line = `[${functionName}] ${message}`;
      if (level === 'error' || level === 'critical') console.error(line);
      else if (level === 'warning') console.warn(line);
      else console.log(line);
      logs.getLogger('functions-host').emit({
        body: message,
        severityNumber: severities[level],
        severityText: level,
        attributes: { 'faas.name': functionName, 'faas.invocation_id': invocationId },
      });
    },
  });
}
