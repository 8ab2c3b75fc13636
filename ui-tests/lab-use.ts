import type { PlaywrightTestConfig } from '@playwright/test';
import galataConfig from '@jupyterlab/galata/lib/playwright-config.js';
import { chromiumPath } from './chromium.js';

// Galata ships its defaults without types.
export const baseConfig = galataConfig as unknown as PlaywrightTestConfig;

/**
 * How the JupyterLab suites drive Chromium: Debian's, headless, with a trace of a failure.
 * Galata's `mockUser` (which Playwright's config type does not know) is off: it answers every
 * URL holding "/api/me" with a made-up Jupyter user, and the gateway's `/slipway/api/me` must
 * reach the gateway.
 */
export const labUse = (baseURL: string): PlaywrightTestConfig['use'] => ({
  ...baseConfig.use,
  ...({ mockUser: false } as PlaywrightTestConfig['use']),
  baseURL,
  viewport: { width: 1400, height: 900 },
  trace: 'retain-on-failure',
  video: 'off',
  launchOptions: {
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  },
});
