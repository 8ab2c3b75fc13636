// `npm run test:wheel`: the jupyterlab-slipway package as a team installs it.
//   1. builds the extension (when its sources changed) and the wheel (`python -m build`);
//   2. makes a fresh venv with a plain JupyterLab 4 and pip-installs the wheel into it;
//   3. checks `jupyter labextension list` and `jupyter server extension list` show Slipway enabled;
//   4. runs the server extension's tests (tests/server_extension) and lint there;
//   5. drives that JupyterLab in Chromium against a real gateway (ui-tests/wheel.config.ts).
// The venv is made anew on every run and removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGateway } from './build-gateway.js';
import { buildWheel } from './build-wheel.js';
import { createSetupLog } from './setup-log.js';
import { ensureLabEnv } from './lab-env.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => console.error(`[wheel] ${line}`);
// Colour codes (ESC [ … m), which jupyter prints even into a pipe.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Runs a command; rejects when it fails. Answers what it printed (stdout and stderr). */
function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  cwd = root,
): Promise<string> {
  log([command, ...args].join(' '));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d: Buffer) => {
      out += d;
      process.stderr.write(d);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('exit', (code) =>
      code === 0
        ? resolve(out.replace(ANSI, ''))
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

function expectLine(output: string, pattern: RegExp, what: string): void {
  if (!output.split('\n').some((line) => pattern.test(line)))
    throw new Error(`${what}: no line matches ${pattern}`);
}

const labPython = await ensureLabEnv(log);
const wheel = await buildWheel(log);
// The UI test runs the built gateway (when its sources changed since the last build).
await buildGateway(createSetupLog(join(root, 'build/wheel-setup.log'), (line) => log(line)));
// The JupyterLab the extension is built against: the fresh venv gets the same release.
const labVersion = (
  await run(labPython, ['-c', 'import jupyterlab; print(jupyterlab.__version__)'])
).trim();

const venv = mkdtempSync(join(tmpdir(), 'slipway-wheel-venv-'));
try {
  await run(process.env.SLIPWAY_PYTHON_BASE ?? 'python3', ['-m', 'venv', venv]);
  const python = join(venv, 'bin', 'python');
  const jupyter = join(venv, 'bin', 'jupyter');
  // A plain JupyterLab, then the wheel: nothing is built here.
  await run(python, ['-m', 'pip', 'install', '-q', `jupyterlab==${labVersion}`]);
  await run(python, ['-m', 'pip', 'install', '-q', wheel]);

  const labextensions = await run(jupyter, ['labextension', 'list']);
  expectLine(
    labextensions,
    /^\s*slipway v\S+ enabled\s+OK \(python, jupyterlab-slipway\)/,
    'jupyter labextension list',
  );
  const serverExtensions = await run(jupyter, ['server', 'extension', 'list']);
  expectLine(serverExtensions, /^\s*jupyterlab_slipway enabled/, 'jupyter server extension list');
  expectLine(serverExtensions, /^\s*jupyterlab_slipway \S+ OK/, 'jupyter server extension list');

  // The server extension's tests and lint, against the package as installed.
  await run(python, [
    '-m',
    'pip',
    'install',
    '-q',
    '-r',
    join(root, 'tests/server_extension/requirements.txt'),
  ]);
  await run(python, ['-m', 'ruff', 'check', 'jupyterlab_slipway', 'tests/server_extension']);
  await run(python, [
    '-m',
    'ruff',
    'format',
    '--check',
    'jupyterlab_slipway',
    'tests/server_extension',
  ]);
  // From tests/server_extension's parent, with the checkout's copy of the package off the path.
  await run(python, ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', 'tests/server_extension'], {
    PYTHONSAFEPATH: '1',
  });

  await run(
    process.execPath,
    ['run-ui-tests.mjs', '-c', 'wheel.config.ts'],
    // The gateway runs its Python work (none in this test) on the lab venv.
    { SLIPWAY_WHEEL_PYTHON: python, SLIPWAY_PYTHON: labPython },
    join(root, 'ui-tests'),
  );
} finally {
  rmSync(venv, { recursive: true, force: true });
}
log('passed');
