import { serve } from '@hono/node-server';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import type { RunnerSpec } from '../kubernetes/manifests.js';
import { FORMATS } from '../protocol/deployments.js';
import { runtimeWorkers } from '../runtimes/runtime-workers.js';
import { servingOptions } from '../serving/serving-options.js';
import { compileValidator } from '../validation/validate-records.js';
import { fetchArtifact } from './fetch-artifact.js';
import { formatRuntimeFactory } from './formats/index.js';
import type { ServedVersion } from './invoke-routes.js';
import { runnerApp } from './runner-app.js';

/**
 * The runner: the gateway in single-deployment mode, what a pod of a Kubernetes pool runs.
 * It fetches its artifact (checked against its sha256), loads it with the gateway's own
 * runtimes and workers, and answers the gateway's calls. With `SLIPWAY_RUNNER_STANDALONE=true`
 * (an export bundle) it also answers callers as the gateway does (`POST /fn/:name`), with
 * `SLIPWAY_INVOKE_KEY` as the key they must send, if set. The only impure file of the runner.
 */
async function main(): Promise<void> {
  const env = process.env;
  const standalone = env.SLIPWAY_RUNNER_STANDALONE === 'true';
  const token = env.SLIPWAY_RUNNER_TOKEN || undefined;
  if (!token && !standalone) throw new Error('SLIPWAY_RUNNER_TOKEN: expected the runner token');
  const specText = env.SLIPWAY_RUNNER_SPEC_FILE
    ? readFileSync(env.SLIPWAY_RUNNER_SPEC_FILE, 'utf8')
    : env.SLIPWAY_RUNNER_SPEC;
  const spec = JSON.parse(specText ?? 'null') as RunnerSpec | null;
  if (!spec?.artifact?.sha256) throw new Error('SLIPWAY_RUNNER_SPEC: expected the version to run');
  if (!FORMATS.includes(spec.format)) throw new Error(`no runtime for format ${spec.format}`);
  const dataDir = env.SLIPWAY_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'slipway-runner-'));
  const config = loadConfig({ ...env, SLIPWAY_DATA_DIR: dataDir });
  const port = Number(env.SLIPWAY_RUNNER_PORT ?? 8080);
  const host = env.SLIPWAY_RUNNER_HOST ?? '0.0.0.0';

  /** What it serves, once loaded: `/healthz` passes from then on. */
  const serving: { version?: ServedVersion } = {};
  const app = runnerApp({
    token,
    runtime: () => serving.version?.runtime,
    invoke: standalone
      ? {
          name: spec.name,
          version: spec.version ?? 0,
          invokeKey: env.SLIPWAY_INVOKE_KEY || undefined,
          served: () => serving.version,
          maxBodyBytes: config.maxBodyBytes,
          maxBatch: config.maxBatch,
        }
      : undefined,
  });
  const server = serve({ fetch: app.fetch, hostname: host, port }, (info) =>
    console.log(
      `[slipway-runner] ${spec.name} (${spec.format}) listening on ${info.address}:${info.port}`,
    ),
  );
  const workers = runtimeWorkers(config);
  await workers.sandbox.init(dataDir);
  const stop = async () => {
    server.close();
    await serving.version?.runtime.unload().catch(() => {});
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
    file: env.SLIPWAY_RUNNER_ARTIFACT_FILE,
    token,
  });
  // Only this format's modules are imported: a bundle ships no other runtime.
  const factory = await formatRuntimeFactory(spec.format, workers.services);
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
  const signature = loading.signature();
  const options = servingOptions(spec.config, loading.kind);
  serving.version = {
    runtime: loading,
    signature,
    validate: compileValidator(signature, { unknownFields: options.unknownFields }),
    options,
  };
  console.log(`[slipway-runner] ${spec.name} loaded: ready`);
}

main().catch((err: unknown) => {
  console.error('[slipway-runner]', err);
  process.exit(1);
});
