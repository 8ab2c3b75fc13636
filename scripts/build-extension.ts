// Builds the JupyterLab extension (TypeScript, then the federated bundle) when its sources
// changed since the last build (see build-stamp.ts). `--force` builds anyway.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprintOf, isUpToDate, recordBuild, type BuildSpec } from './build-stamp.js';
import { ensureLabEnv } from './lab-env.js';
import { runLogged, type SetupLog } from './setup-log.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where `jupyter labextension build` writes (package.json jupyterlab.outputDir). */
export const LABEXTENSION_DIR = join(root, 'build/share/jupyter/labextensions/slipway');
/** Give this folder to Jupyter as JUPYTER_PATH and it finds the extension. */
export const JUPYTER_DATA_DIR = join(root, 'build/share/jupyter');

/**
 * A folder holding only the server extension's package (a link to `jupyterlab_slipway/` of
 * this checkout), for PYTHONPATH: the Jupyter server imports it from there, and the kernels
 * that inherit the variable find nothing else of the checkout on their path.
 */
export function serverExtensionPath(): string {
  const dir = join(root, 'build/python');
  const link = join(dir, 'jupyterlab_slipway');
  if (!existsSync(link)) {
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(root, 'jupyterlab_slipway'), link, 'dir');
  }
  return dir;
}

/** What the bundle is made from; the Python's JupyterLab decides the shared modules. */
export function extensionBuild(python: string): BuildSpec {
  return {
    sources: [
      'extension',
      'style',
      'schema',
      'gateway/src/protocol',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
    ],
    extra: `built with ${python}`,
    stamp: join(root, 'build/extension-sources.sha256'),
    outputs: [join(LABEXTENSION_DIR, 'package.json')],
  };
}

/** Runs a build command: into the set-up log when there is one, else on the console. */
export async function runStep(
  step: string,
  cmd: string,
  args: string[],
  log?: SetupLog,
): Promise<void> {
  if (log) return runLogged(step, cmd, args, log, { cwd: root });
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`${step} failed: ${cmd} ${args.join(' ')} (exit ${r.status})`);
}

/**
 * Builds when the sources changed (or `force`); returns true when it built. With a set-up log,
 * prints one line and sends the compilers' output to the log.
 */
export async function buildExtension(
  python: string,
  force = false,
  log?: SetupLog,
): Promise<boolean> {
  const spec = extensionBuild(python);
  const fingerprint = fingerprintOf(root, spec);
  if (!force && isUpToDate(spec, fingerprint)) return false;
  const say = log ? log.progress : (line: string) => console.log(`[slipway] ${line}`);
  say('building the JupyterLab extension (its sources changed)');
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await runStep('building the extension', process.execPath, [tsc, '-p', 'tsconfig.json'], log);
  await runStep(
    'building the extension',
    python,
    ['-m', 'jupyter', 'labextension', 'build', '.'],
    log,
  );
  recordBuild(spec, fingerprint);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const python = await ensureLabEnv((line) => console.error(line));
  await buildExtension(python, process.argv.includes('--force'));
}
