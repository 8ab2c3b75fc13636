// Compiles the gateway (gateway/src → gateway/dist) and makes its embedded database's template
// (gateway/dist/db-template: a fresh data dir starts as a copy of it) when its sources or
// migrations changed since the last build: a full `tsc` takes 15 s or more, which a warm
// `npm start` need not pay.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprintOf, isUpToDate, recordBuild, type BuildSpec } from './build-stamp.js';
import { runStep } from './build-extension.js';
import type { SetupLog } from './setup-log.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What gateway/dist is made from (tsconfig.build.json leaves out tests and testing/). */
export const GATEWAY_BUILD: BuildSpec = {
  sources: [
    'gateway/src',
    'gateway/tsconfig.json',
    'gateway/tsconfig.build.json',
    'gateway/package.json',
    'gateway/drizzle',
    'gateway/scripts/make-db-template.ts',
  ],
  stamp: join(root, 'gateway/dist/.sources.sha256'),
  outputs: [
    join(root, 'gateway/dist/index.js'),
    join(root, 'gateway/dist/db-template/slipway-template.json'),
  ],
};

/** Builds when the sources changed (or `force`); returns true when it built. */
export async function buildGateway(log: SetupLog, force = false): Promise<boolean> {
  const fingerprint = fingerprintOf(root, GATEWAY_BUILD);
  if (!force && isUpToDate(GATEWAY_BUILD, fingerprint)) return false;
  log.progress('building the gateway (its sources changed)');
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await runStep(
    'building the gateway',
    process.execPath,
    [tsc, '-p', 'gateway/tsconfig.build.json'],
    log,
  );
  // As `npm run build --workspace gateway` does after tsc.
  await runStep(
    'making the embedded database template',
    process.execPath,
    ['--import', 'tsx', 'gateway/scripts/make-db-template.ts', 'gateway/dist/db-template'],
    log,
  );
  recordBuild(GATEWAY_BUILD, fingerprint);
  return true;
}
