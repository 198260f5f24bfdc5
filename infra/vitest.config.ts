import { defineConfig } from 'vitest/config';

// The template tests read infra/.build/, which `node infra/check.mjs` writes: `npm run infra:check` runs both.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['infra/test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/infra-results.json' },
  },
});
