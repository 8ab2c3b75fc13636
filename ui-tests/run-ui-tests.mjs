// `npm test --workspace ui-tests`: the Galata suite in headless Chromium. Without a Chromium
// the suite is skipped with a message, except in CI, where that is a failure; the skip is also
// written to SLIPWAY_TEST_SKIPPED_FILE when set, so that `npm test` reports it as skipped.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { chromiumPath } from './chromium.js';

if (!chromiumPath()) {
  const message =
    'UI tests need Chromium: apt-get install -y chromium (or set SLIPWAY_CHROMIUM to a Chrome/Chromium binary)';
  if (process.env.CI) {
    console.error(`[ui-tests] ${message}`);
    process.exit(1);
  }
  console.warn(`[ui-tests] skipped. ${message}`);
  if (process.env.SLIPWAY_TEST_SKIPPED_FILE)
    writeFileSync(process.env.SLIPWAY_TEST_SKIPPED_FILE, 'no Chromium\n');
  process.exit(0);
}
const run = spawnSync(
  process.execPath,
  ['../node_modules/@playwright/test/cli.js', 'test', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
