import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { GatewayBuild } from '../../src/export/runner-files.js';

const gatewayDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The gateway compiled into `dir` (tsc, as `npm run build` does), for export bundles to take
 * their runner from without touching the working tree's dist/. tsc emits even where another
 * file of the tree does not type-check; the runner's entry must be there.
 */
export function buildGateway(dir: string): GatewayBuild {
  const distDir = join(dir, 'dist');
  const tsc = join(gatewayDir, '..', 'node_modules', '.bin', 'tsc');
  const run = spawnSync(tsc, ['-p', 'tsconfig.build.json', '--outDir', distDir], {
    cwd: gatewayDir,
    encoding: 'utf8',
  });
  if (!existsSync(join(distDir, 'runner', 'main.js')))
    throw new Error(`tsc built no runner: ${run.stdout}${run.stderr}`);
  return { distDir, workersDir: join(gatewayDir, 'workers'), packageDir: gatewayDir };
}

/** Extracts a gzipped tarball (a web stream, as a response body) into `dir`; its entry names. */
export async function extractTarball(body: WebStream<Uint8Array>, dir: string) {
  const names: string[] = [];
  const modes = new Map<string, number>();
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    names.push(header.name);
    const target = join(dir, header.name);
    modes.set(header.name, header.mode);
    void (async () => {
      await mkdir(dirname(target), { recursive: true });
      await pipeline(stream, createWriteStream(target));
      await chmod(target, header.mode);
      next();
    })().catch(next);
  });
  await pipeline(Readable.fromWeb(body), createGunzip(), tar);
  return { names, modes };
}

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A bundle's runner started by its `run.sh`. */
export interface RunningBundle {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * Runs `<dir>/run.sh` on a free port and resolves once the runner says it is ready (it prints
 * `loaded: ready`), or rejects with its output when it exits first.
 */
export async function runBundle(dir: string, env: Record<string, string>): Promise<RunningBundle> {
  const port = await freePort();
  const child = spawn('sh', [join(dir, 'run.sh')], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('loaded: ready')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`run.sh exited (${code}):\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
