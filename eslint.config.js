import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/lib/**',
      'gateway/drizzle/**',
      '.slipway/**',
      '.venv*/**',
      'build/**',
      'ui-tests/test-results/**',
      'ui-tests/playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The data plane and everything under it know no transport: REST routes are thin adapters,
    // and batch jobs, stream consumers and the end-user form call the same code without HTTP.
    files: [
      'gateway/src/{data-plane,codecs,validation,serving,runtimes,monitoring,workers,deployments,db}/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['hono', 'hono/*', '@hono/*'],
              message: 'transport-free code: decode and encode HTTP in gateway/src/routes/',
            },
          ],
        },
      ],
    },
  },
);
