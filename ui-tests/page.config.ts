import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath } from './chromium.js';
import { ADMIN_TOKEN, GATEWAY_PORT } from './stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'slipway-page-'));

/**
 * The end-user page's spec alone, against a bare gateway (no JupyterLab): quick to run while
 * working on the page (`npx playwright test -c page.config.ts`). The `ui` suite runs the same
 * spec against its full stack.
 */
export default defineConfig({
  testDir: 'tests',
  testMatch: 'end-user-page.spec.ts',
  outputDir: `test-results/page-${GATEWAY_PORT}`,
  timeout: 120_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    },
  },
  webServer: {
    command: 'node ../node_modules/tsx/dist/cli.mjs ../gateway/src/index.ts',
    url: `http://127.0.0.1:${GATEWAY_PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_PORT: String(GATEWAY_PORT),
      SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    },
  },
});
