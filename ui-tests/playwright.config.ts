import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfig, labUse } from './lab-use.js';
import { ADMIN_TOKEN, GATEWAY_PORT, LAB_PORT } from './stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'slipway-ui-'));

/**
 * A real JupyterLab (with the extension, pointed at the gateway by `npm start`'s own script)
 * and a real gateway on a fresh embedded database, driven by Debian's Chromium.
 */
export default defineConfig({
  ...baseConfig,
  testDir: 'tests',
  // One folder per run (Playwright empties it at start): runs side by side keep their traces.
  outputDir: `test-results/artifacts-${LAB_PORT}`,
  timeout: 300_000,
  retries: 0,
  workers: 1,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results.json' }]] : [['list']],
  use: labUse(`http://localhost:${LAB_PORT}`),
  webServer: {
    command: `node ../node_modules/tsx/dist/cli.mjs ../scripts/start.ts --jupyter-config jupyter_server_test_config.py`,
    url: `http://localhost:${LAB_PORT}/lab`,
    timeout: 300_000,
    reuseExistingServer: false,
    // SIGTERM lets the start script stop the gateway and JupyterLab it started (a SIGKILL,
    // Playwright's default, would leave them running).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_PORT: String(GATEWAY_PORT),
      SLIPWAY_LAB_PORT: String(LAB_PORT),
      SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    },
  },
});
