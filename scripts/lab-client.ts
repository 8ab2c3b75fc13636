// The Python client (clients/python, package `slipway`) in the lab's environment, so that a
// notebook can `from slipway import Client` and publish from code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const clientDir = fileURLToPath(new URL('../clients/python', import.meta.url));

/** Runs `python args`; resolves with its exit code and what it printed. */
function run(python: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

/**
 * Installs the client editable into `python`'s environment unless it imports from this
 * repository already. Its dependencies (requests, pandas) are the lab's already; pip fetches
 * only the build backend (setuptools), as for any package.
 */
export async function ensureLabClient(
  python: string,
  log: (line: string) => void,
  output: (line: string) => void = log,
): Promise<void> {
  const where = await run(python, ['-c', 'import slipway; print(slipway.__file__)']);
  if (where.code === 0 && where.out.trim().startsWith(clientDir)) return;
  log('[slipway] installing the Python client (clients/python) into the lab environment');
  const pip = await run(python, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-deps',
    '-e',
    clientDir,
  ]);
  for (const line of pip.out.split('\n')) if (line) output(line);
  if (pip.code !== 0) throw new Error(`pip could not install ${clientDir} (exit ${pip.code})`);
}
