import { defineConfig } from '@playwright/test';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfig, labUse } from './lab-use.js';
import { ADMIN_TOKEN, GATEWAY, LABS, PROXY_TOKEN } from './wheel-stack.js';

const python = process.env.SLIPWAY_WHEEL_PYTHON;
if (!python)
  throw new Error(
    'SLIPWAY_WHEEL_PYTHON must name the Python of the venv holding the wheel: run npm run test:wheel',
  );
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-wheel-ui-'));
// The gateway's workers run as another user where it runs as root: they must reach their files.
chmodSync(dataDir, 0o755);
const gatewayPort = new URL(GATEWAY).port;

/**
 * The jupyterlab-slipway wheel as a team installs it (scripts/wheel-test.ts): JupyterLab servers
 * of a fresh venv holding the wheel and nothing of this checkout, and a real gateway.
 */
export default defineConfig({
  ...baseConfig,
  testDir: 'wheel',
  outputDir: `test-results/wheel-${gatewayPort}`,
  timeout: 300_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: labUse(LABS.ok.url),
  webServer: [
    {
      command: `node ../gateway/dist/index.js`,
      url: `${GATEWAY}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        SLIPWAY_DATA_DIR: join(dataDir, 'gateway'),
        SLIPWAY_HOST: '127.0.0.1',
        SLIPWAY_PORT: gatewayPort,
        SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN,
        SLIPWAY_PROXY_TOKEN: PROXY_TOKEN,
        // The Jupyter user a server names is made a publisher on first sight.
        SLIPWAY_NEW_USER_ROLE: 'publisher',
      },
    },
    ...Object.values(LABS).map((lab) => ({
      // Galata's test set-up (jupyter_server_test_config.py), and nothing of this checkout: the
      // extension and the server extension are the wheel's.
      command: [
        python,
        '-m',
        'jupyter',
        'lab',
        '--config=jupyter_server_test_config.py',
        '--no-browser',
        '--ServerApp.port_retries=0',
        ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      ].join(' '),
      url: `${lab.url}/lab`,
      timeout: 120_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 15_000 },
      stdout: 'ignore' as const,
      stderr: 'ignore' as const,
      env: { SLIPWAY_LAB_PORT: String(lab.port), PYTHONSAFEPATH: '1', ...lab.env },
    })),
  ],
});
