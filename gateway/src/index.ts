import { serve } from '@hono/node-server';
import { resolveAdminToken } from './auth/admin-token.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { boundHeapGrowth } from './heap-growth.js';
import { GATEWAY_VERSION } from './version.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The only impure file: config → database → gateway → serve. */
async function main(): Promise<void> {
  boundHeapGrowth();
  const config = loadConfig();
  // The gateway's modules load (most of a second) while the database process starts.
  const gatewayModule = import('./gateway.js');
  gatewayModule.catch(() => {}); // awaited below; a database that fails first is the error shown
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: join(config.dataDir, 'db'),
    // `npm run build` makes it: a fresh data dir is a copy, not a database created anew.
    template: fileURLToPath(new URL('./db-template', import.meta.url)),
    onDatabaseRestart: (reason, restarted) => {
      console.error(`[slipway] ${reason}: starting it again`);
      restarted.then(
        () => console.error('[slipway] the embedded database is back'),
        (err: unknown) =>
          console.error('[slipway] the embedded database did not start again:', err),
      );
    },
  });
  const admin = await resolveAdminToken(config.dataDir, config.adminToken);
  const { createGateway } = await gatewayModule;
  const gateway = createGateway({
    config,
    database,
    adminToken: admin.token,
    version: GATEWAY_VERSION,
    reportError: (err) => console.error('[slipway]', err),
  });
  await gateway.init();
  const interrupted = await gateway.runs.failInterrupted();
  if (interrupted)
    console.log(
      `[slipway] ${interrupted} notebook run(s) interrupted by the last stop are marked failed`,
    );
  void gateway.deployments.warmUp();

  const server = serve(
    { fetch: gateway.app.fetch, hostname: config.host, port: config.port },
    (info) => {
      const lines = [
        `[slipway] gateway ${GATEWAY_VERSION} on ${config.publicUrl} (listening on ${info.address}:${info.port}), database: ${database.kind}`,
      ];
      if (admin.generated)
        lines.push(`[slipway] admin token (shown once, saved in ${admin.file}):\n  ${admin.token}`);
      else if (admin.file) lines.push(`[slipway] admin token: in ${admin.file}`);
      // One write: whoever waits for the "listening" line gets the token line with it.
      console.log(lines.join('\n'));
    },
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `[slipway] ${signal}: stopping; calls under way get ${config.drainSeconds} s to finish`,
    );
    // Whatever runs, the gateway is gone by the drain deadline (the journal keeps the log).
    setTimeout(() => {
      console.error('[slipway] the drain deadline passed: stopping now');
      process.exit(1);
    }, config.drainSeconds * 1000).unref();
    const drained = new Promise<void>((done) => server.close(() => done()));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    const deadline = performance.now() + config.drainSeconds * 1000;
    await drained;
    // Calls that outlive their request (asynchronous notebook runs) get what is left.
    await gateway.close({ drainMs: Math.max(0, deadline - performance.now()) });
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
