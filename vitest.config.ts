import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (rules, use cases on in-memory ports, adapters against in-process receivers; no Azurite) and
 * `integration` (Azurite for tables, the Azure double, the sandbox, the deployment package). `npm test` runs both;
 * `npm run test:unit` the first alone.
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/results.json' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/package/**/*.test.ts'],
          globalSetup: ['test/support/azuriteSetup.ts'],
        },
      },
    ],
  },
});
