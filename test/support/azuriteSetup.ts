import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../sandbox/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tablesConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide('tablesConnectionString', azurite.connectionString);
  return () => azurite.stop();
}
