// The Python client's (clients/python) checks, in a venv made (or reused) here:
//   tsx scripts/python-client.ts              prints the interpreter's path last
//   tsx scripts/python-client.ts lint         ruff check, ruff format --check, mypy
//   tsx scripts/python-client.ts test [args]  pytest against a real gateway process
//
// The venv is `<repo>/.venv-worker/client/venv-<hash>`, layered on the worker's venv (the one
// npm test makes: scikit-learn, pandas, joblib) so that it builds in seconds: it adds
// clients/python/requirements-dev.txt (tools, skl2onnx) and the package, editable.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv } from '../gateway/src/workers/python-env.js';
import { PYTHON_REQUIREMENTS_FILE } from '../gateway/src/workers/python-worker.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const clientDir = join(root, 'clients', 'python');
const venvRoot = join(root, '.venv-worker', 'client');
const log = (line: string) => console.error(line);

/** The worker's own interpreter (what the gateway runs pickles with), made as npm test makes it. */
function workerPython(): Promise<string> {
  return ensurePythonEnv({
    configured: process.env.SLIPWAY_TEST_PYTHON,
    venvRoot: join(root, '.venv-worker'),
    requirementsFile: PYTHON_REQUIREMENTS_FILE,
    log,
  });
}

/** Runs a command; resolves with its exit code and what it printed on stdout. */
function run(
  command: string,
  args: string[],
  opts: { cwd: string; capture?: boolean; env?: Record<string, string> },
): Promise<{ code: number; out: string }> {
  if (!opts.capture) log(`[slipway] ${[command, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

/** One requirements file for the client venv, named by its content (its hash names the venv). */
async function clientRequirements(base: string): Promise<string> {
  const dev = await readFile(join(clientDir, 'requirements-dev.txt'), 'utf8');
  const content = [
    `# Written by scripts/python-client.ts, layered on`,
    `# ${base}`,
    dev,
    `-e ${clientDir}`,
    '',
  ].join('\n');
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const file = join(venvRoot, `requirements-${hash}.txt`);
  if (!existsSync(file)) {
    await mkdir(venvRoot, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, content);
    await rename(tmp, file);
  }
  return file;
}

const base = await workerPython();
const python = await ensurePythonEnv({
  venvRoot,
  requirementsFile: await clientRequirements(base),
  inherit: base,
  log,
});
const [task = 'env', ...rest] = process.argv.slice(2);
switch (task) {
  case 'env':
    console.log(python);
    break;
  case 'lint': {
    const codes = [];
    for (const args of [['ruff', 'check', '.'], ['ruff', 'format', '--check', '.'], ['mypy']])
      codes.push((await run(python, ['-m', ...args], { cwd: clientDir })).code);
    process.exitCode = codes.some((code) => code !== 0) ? 1 : 0;
    break;
  }
  case 'test': {
    // The tests start the gateway (tsx gateway/src/index.ts); its pickles run on the worker's venv.
    const env = { SLIPWAY_TEST_PYTHON: base };
    process.exitCode = (await run(python, ['-m', 'pytest', ...rest], { cwd: clientDir, env })).code;
    break;
  }
  default:
    log(`unknown task ${JSON.stringify(task)}: use env, lint or test`);
    process.exitCode = 2;
}
