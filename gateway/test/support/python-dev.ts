import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const gatewayDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The interpreter of the Python dev venv (the worker's venv plus the pinned tools of
 * gateway/workers/python/requirements-dev.txt, schemathesis among them), made or reused by
 * `scripts/python-dev.ts`, which prints its path last. Making it the first time installs those
 * tools with pip.
 */
export async function devPython(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/python-dev.ts', 'env'], {
    cwd: gatewayDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const python = out.trim().split('\n').at(-1);
  if (code !== 0 || !python) throw new Error(`scripts/python-dev.ts env failed (${code}):\n${err}`);
  return python;
}
