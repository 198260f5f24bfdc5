import { randomUUID } from 'node:crypto';
import azureFunctions, { type InvocationContext } from '@azure/functions';

// A CommonJS package whose classes Node's ESM loader cannot name: take them from the default export.
const { InvocationContext: Context } = azureFunctions;

/** An invocation context whose logs go to this process's console, prefixed with the function name. */
export function invocationContext(functionName: string, triggerMetadata: Record<string, unknown> = {}): InvocationContext {
  return new Context({
    invocationId: randomUUID(),
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => {
      const line = `[${functionName}] ${args.map(String).join(' ')}`;
      if (level === 'error' || level === 'critical') console.error(line);
      else if (level === 'warning') console.warn(line);
      else console.log(line);
    },
  });
}
