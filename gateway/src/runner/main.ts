import { serve } from '@hono/node-server';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import type { RunnerSpec } from '../kubernetes/manifests.js';
import { defaultRuntimes } from '../runtimes/default-runtimes.js';
import { runtimeWorkers } from '../runtimes/runtime-workers.js';
import type { Runtime } from '../runtimes/types.js';
import { fetchArtifact } from './fetch-artifact.js';
import { runnerApp } from './runner-app.js';

/**
 * The runner: the gateway in single-deployment mode, what a pod of a Kubernetes pool runs.
 * It fetches its artifact (checked against its sha256), loads it with the gateway's own
 * runtimes and workers, and answers the gateway's calls. The only impure file of the runner.
 */
async function main(): Promise<void> {
  const env = process.env;
  const token = env.SLIPWAY_RUNNER_TOKEN;
  if (!token) throw new Error('SLIPWAY_RUNNER_TOKEN: expected the runner token');
  const spec = JSON.parse(env.SLIPWAY_RUNNER_SPEC ?? 'null') as RunnerSpec | null;
  if (!spec?.artifact?.sha256) throw new Error('SLIPWAY_RUNNER_SPEC: expected the version to run');
  const dataDir = env.SLIPWAY_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'slipway-runner-'));
  const config = loadConfig({ ...env, SLIPWAY_DATA_DIR: dataDir });
  const port = Number(env.SLIPWAY_RUNNER_PORT ?? 8080);
  const host = env.SLIPWAY_RUNNER_HOST ?? '0.0.0.0';

  /** What it serves, once loaded: `/healthz` passes from then on. */
  const serving: { runtime?: Runtime } = {};
  const server = serve(
    { fetch: runnerApp({ token, runtime: () => serving.runtime }).fetch, hostname: host, port },
    (info) =>
      console.log(
        `[slipway-runner] ${spec.name} (${spec.format}) listening on ${info.address}:${info.port}`,
      ),
  );
  const workers = runtimeWorkers(config);
  await workers.sandbox.init(dataDir);
  const stop = async () => {
    server.close();
    await serving.runtime?.unload().catch(() => {});
    await workers.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  const path = await fetchArtifact({
    want: spec.artifact,
    dir: join(dataDir, 'artifacts'),
    url: env.SLIPWAY_RUNNER_ARTIFACT_URL,
    volumeDir: env.SLIPWAY_RUNNER_ARTIFACT_DIR,
    token,
  });
  const factory = defaultRuntimes(workers.services).find((f) => f.format === spec.format);
  if (!factory) throw new Error(`no runtime for format ${spec.format}`);
  const loading = factory.create({
    name: spec.name,
    version: spec.version ?? 0,
    artifact: {
      path,
      sha256: spec.artifact.sha256,
      size: spec.artifact.size,
      filename: spec.artifact.filename,
    },
    pool: spec.pool,
    config: spec.config,
    // The pod is the replica: nothing stops for being idle inside it.
    managed: true,
  });
  await loading.load();
  serving.runtime = loading;
  console.log(`[slipway-runner] ${spec.name} loaded: ready`);
}

main().catch((err: unknown) => {
  console.error('[slipway-runner]', err);
  process.exit(1);
});
