import { defineConfig } from 'vitest/config';

// Unit tests of the extension's models and gateway client (no JupyterLab needed); the client
// runs against the real gateway app through app.request.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results.json' }]]
      : ['default'],
  },
});
