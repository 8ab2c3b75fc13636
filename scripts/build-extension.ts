// Builds the JupyterLab extension (TypeScript, then the federated bundle) when its sources
// are newer than the last bundle. `--force` builds anyway.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLabEnv } from './lab-env.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where `jupyter labextension build` writes (package.json jupyterlab.outputDir). */
export const LABEXTENSION_DIR = join(root, 'build/share/jupyter/labextensions/slipway');
/** Give this folder to Jupyter as JUPYTER_PATH and it finds the extension. */
export const JUPYTER_DATA_DIR = join(root, 'build/share/jupyter');

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

/** Builds when stale; returns true when it built. */
export async function buildExtension(python: string, force = false): Promise<boolean> {
  const stamp = join(LABEXTENSION_DIR, 'package.json');
  const sources = ['extension', 'style', 'schema', 'gateway/src/protocol', 'package.json'];
  if (!force && existsSync(stamp)) {
    const built = statSync(stamp).mtimeMs;
    if (sources.every((s) => newest(join(root, s)) <= built)) return false;
  }
  console.log('[slipway] building the JupyterLab extension');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  run(python, ['-m', 'jupyter', 'labextension', 'build', '.']);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const python = await ensureLabEnv((line) => console.error(line));
  await buildExtension(python, process.argv.includes('--force'));
}
