// `npm run build:wheel`: the jupyterlab-slipway wheel (pyproject.toml) in build/wheel/: the
// prebuilt labextension (built first when its sources changed) and the server extension.
// pip-install it into the environment of any JupyterLab 4 (README: "Install into your JupyterLab").
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv } from '../gateway/src/workers/python-env.js';
import { buildExtension } from './build-extension.js';
import { ensureLabEnv } from './lab-env.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const WHEEL_DIR = join(root, 'build/wheel');

/** Builds the extension and the wheel; answers the wheel's path. */
export async function buildWheel(log: (line: string) => void): Promise<string> {
  await buildExtension(await ensureLabEnv(log));
  // The PyPA front end, in a venv of its own (kept: it only holds `build`).
  const builder = await ensurePythonEnv({
    venvRoot: join(root, '.venv-wheel'),
    requirementsFile: join(root, 'scripts/wheel-build-requirements.txt'),
    log,
  });
  rmSync(WHEEL_DIR, { recursive: true, force: true });
  const built = spawnSync(builder, ['-m', 'build', '--wheel', '--outdir', WHEEL_DIR, '.'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (built.status !== 0) throw new Error(`python -m build exited ${built.status}`);
  const wheels = readdirSync(WHEEL_DIR).filter((f) => f.endsWith('.whl'));
  if (wheels.length !== 1)
    throw new Error(`expected one wheel in ${WHEEL_DIR}, found ${wheels.length}`);
  return join(WHEEL_DIR, wheels[0]!);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const wheel = await buildWheel((line) => console.error(line));
  console.log(wheel);
}
