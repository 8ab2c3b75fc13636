import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { DeploymentRepository } from '../db/deployment-repository.js';
import { ConflictError, NotFoundError, NotReadyError } from '../errors.js';
import type { PoolSpec } from '../pools/pool-spec.js';
import type { Format } from '../protocol/deployments.js';
import { bundleManifest } from './bundle-manifest.js';
import { bundleReadme } from './bundle-readme.js';
import { DOCKERIGNORE, dockerfile, runScript } from './bundle-scripts.js';
import { runnerFiles, RunnerNotBuiltError, type GatewayBuild } from './runner-files.js';

export interface ExportBundleDeps {
  repo: Pick<DeploymentRepository, 'get' | 'version'>;
  /** Where the artifact store keeps the file of a sha256. */
  artifactPath: (sha256: string) => string;
  pools: readonly PoolSpec[];
  build: GatewayBuild;
  /** The gateway's version, written into `deployment.json`. */
  gatewayVersion: string;
}

/** A bundle ready to stream: its name and its bytes (a gzipped tarball). */
export interface ExportedBundle {
  filename: string;
  body: Readable;
}

const DEFAULT_NAMES: Record<Format, string> = {
  onnx: 'model.onnx',
  pmml: 'model.pmml',
  pickle: 'model.pkl',
  mojo: 'model.zip',
  notebook: 'notebook.ipynb',
};

/** The artifact's file name in the bundle: the uploaded one's base name, if it is a safe one. */
function artifactName(format: Format, filename: string | null): string {
  const base = filename?.split(/[/\\]/).pop() ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/.test(base) ? base : DEFAULT_NAMES[format];
}

/** One entry to write: bytes in memory, or a file streamed from disk. */
type Entry = { path: string; mode?: number; mtime?: Date } & (
  { text: string | Uint8Array } | { source: string; size: number }
);

/** Writes the entries one after the other (a tarball is sequential), then ends the archive. */
async function writeEntries(pack: Pack, entries: Entry[]): Promise<void> {
  for (const e of entries) {
    const header = { name: e.path, mode: e.mode ?? 0o644, mtime: e.mtime ?? new Date() };
    if ('text' in e) {
      await new Promise<void>((resolve, reject) =>
        pack.entry(header, e.text, (err) => (err ? reject(err) : resolve())),
      );
      continue;
    }
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...header, size: e.size }, (err) =>
        err ? reject(err) : resolve(),
      );
      const source = createReadStream(e.source);
      source.on('error', (err) => {
        sink.destroy(err);
        reject(err);
      });
      source.on('data', (chunk) => {
        if (!sink.write(chunk as Buffer)) {
          source.pause();
          sink.once('drain', () => source.resume());
        }
      });
      source.on('end', () => sink.end(Buffer.alloc(0)));
    });
  }
  pack.finalize();
}

/**
 * One version of a deployment as a bundle that runs without the gateway: the artifact, its
 * config and signature (`deployment.json`), the runner with only its format's modules and
 * packages, `run.sh`, a Dockerfile and a Kubernetes manifest. Everything is checked before a
 * byte is sent: an unknown version is a 404, a missing artifact file a 409 naming it, and a
 * gateway whose runner is not built a 503.
 */
export async function exportBundle(
  deps: ExportBundleDeps,
  name: string,
  version?: number,
): Promise<ExportedBundle> {
  const record = await deps.repo.get(name);
  if (!record) throw new NotFoundError(`deployment ${name}`);
  const v = version ?? record.liveVersion;
  const versionRecord = v === record.liveVersion ? record.live : await deps.repo.version(name, v);
  if (!versionRecord) throw new NotFoundError(`version ${v} of deployment ${name}`);

  const sha256 = versionRecord.artifactSha256;
  const artifactFile = deps.artifactPath(sha256);
  const artifactSize = await stat(artifactFile).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );
  if (artifactSize !== versionRecord.artifactSize)
    throw new ConflictError(
      `version ${v} of deployment ${name} cannot be exported: its artifact ${versionRecord.filename ?? ''} (sha256 ${sha256}, ${versionRecord.artifactSize} bytes) is ${artifactSize === undefined ? 'missing' : `${artifactSize} bytes`} in the artifact store (${artifactFile}); publish the model again as a new version`,
      'artifact_missing',
    );

  const spec = {
    format: versionRecord.format,
    pool: record.pool,
    config: versionRecord.config,
  };
  let runner;
  try {
    runner = await runnerFiles(deps.build, spec);
  } catch (err) {
    if (!(err instanceof RunnerNotBuiltError)) throw err;
    throw new NotReadyError(
      `the runner to export is not built (${err.message}): run \`npm run build --workspace gateway\` where the gateway runs`,
    );
  }

  const top = `${name}-v${v}`;
  const artifactPath = `artifact/${artifactName(versionRecord.format, versionRecord.filename)}`;
  const scriptInput = {
    name,
    version: v,
    artifactPath,
    python: runner.python,
    jvm: runner.jvm,
    hasJar: runner.hasJar,
  };
  const deployment = {
    name,
    version: v,
    format: versionRecord.format,
    pool: record.pool,
    public: record.public,
    config: versionRecord.config,
    signature: versionRecord.signature,
    artifact: {
      sha256,
      size: versionRecord.artifactSize,
      filename: versionRecord.filename ?? undefined,
    },
    exportedAt: new Date().toISOString(),
    gatewayVersion: deps.gatewayVersion,
  };
  const packageJson = {
    name: `slipway-runner-${name}`,
    version: `${v}.0.0`,
    private: true,
    type: 'module',
    description: `The Slipway runner of ${name}, version ${v} (${versionRecord.format})`,
    dependencies: runner.dependencies,
  };
  // Sources first, the jar a second later: the runner rebuilds a jar older than its sources.
  const now = Date.now();
  const sources = new Date(now - 1000);
  const entries: Entry[] = [
    { path: 'README.md', text: bundleReadme({ ...scriptInput, format: versionRecord.format }) },
    { path: 'deployment.json', text: `${JSON.stringify(deployment, null, 2)}\n` },
    { path: artifactPath, source: artifactFile, size: artifactSize },
    { path: 'run.sh', text: runScript(scriptInput), mode: 0o755 },
    { path: 'Dockerfile', text: dockerfile(scriptInput) },
    { path: '.dockerignore', text: DOCKERIGNORE },
    {
      path: 'kubernetes.yaml',
      text: bundleManifest({
        name,
        version: v,
        format: versionRecord.format,
        config: versionRecord.config,
        pool: deps.pools.find((p) => p.name === record.pool),
        poolName: record.pool,
      }),
    },
    { path: 'runner/package.json', text: `${JSON.stringify(packageJson, null, 2)}\n` },
  ];
  for (const f of runner.files) {
    const { size } = await stat(f.source);
    const jar = f.path.endsWith('.jar');
    entries.push({
      path: `runner/${f.path}`,
      source: f.source,
      size,
      mtime: jar ? new Date(now) : sources,
    });
  }

  const pack = tarPack();
  writeEntries(
    pack,
    entries.map((e) => ({ ...e, path: `${top}/${e.path}` })),
  ).catch((err: unknown) => pack.destroy(err as Error));
  const body = createGzip();
  // A failure mid-way destroys the gzip stream, so the client sees a cut answer, never a short
  // tarball that looks whole.
  pipeline(Readable.from(pack), body).catch(() => {});
  return { filename: `${top}.tar.gz`, body };
}
