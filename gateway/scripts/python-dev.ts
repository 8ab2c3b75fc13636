// The Python worker's checks, in a dev venv made (or reused) here:
//   tsx scripts/python-dev.ts              prints the dev interpreter's path last
//   tsx scripts/python-dev.ts lint         ruff check, ruff format --check, mypy
//   tsx scripts/python-dev.ts test [args]  pytest (args go to pytest)
//
// The dev venv is `<repo>/.venv-worker/dev/venv-<hash>`, layered on the worker's own venv (the
// one ensure-python.ts makes, or SLIPWAY_TEST_PYTHON) so that it builds in seconds: it adds the
// pinned tools of requirements-dev.txt and `slipway_worker` installed editable. The hash covers
// requirements.txt, requirements-dev.txt and the interpreter it is layered on.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv } from '../src/workers/python-env.js';
import { PYTHON_REQUIREMENTS_FILE, PYTHON_WORKER_DIR } from '../src/workers/python-worker.js';

const VENV_ROOT = fileURLToPath(new URL('../../.venv-worker', import.meta.url));
const DEV_REQUIREMENTS_FILE = join(PYTHON_WORKER_DIR, 'requirements-dev.txt');
const log = (line: string) => console.error(line);

/** The dev interpreter: the worker's venv plus its dev tools and the package, editable. */
async function ensurePythonDevEnv(): Promise<string> {
  const worker = await ensurePythonEnv({
    configured: process.env.SLIPWAY_TEST_PYTHON,
    venvRoot: VENV_ROOT,
    requirementsFile: PYTHON_REQUIREMENTS_FILE,
    log,
  });
  return ensurePythonEnv({
    venvRoot: join(VENV_ROOT, 'dev'),
    requirementsFile: await devRequirements(worker),
    inherit: worker,
    log,
  });
}

/**
 * One requirements file for pip that holds everything the dev venv depends on, so that its
 * hash (the venv's name) changes with any of it. Named by its content and written once,
 * atomically: concurrent runs read the same bytes.
 */
async function devRequirements(worker: string): Promise<string> {
  const [runtime, dev] = await Promise.all([
    readFile(PYTHON_REQUIREMENTS_FILE, 'utf8'),
    readFile(DEV_REQUIREMENTS_FILE, 'utf8'),
  ]);
  const content = [
    '# Written by gateway/scripts/python-dev.ts; the worker dev venv layered on',
    `# ${worker}`,
    runtime,
    dev,
    `-e ${PYTHON_WORKER_DIR}`,
    '',
  ].join('\n');
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const dir = join(VENV_ROOT, 'dev');
  const file = join(dir, `requirements-${hash}.txt`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, content);
    await rename(tmp, file);
  }
  return file;
}

/** Runs a command in the worker's folder with inherited output; resolves with its exit code. */
function run(command: string, args: string[]): Promise<number> {
  log(`[slipway] ${[command, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PYTHON_WORKER_DIR, stdio: 'inherit' });
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const [task = 'env', ...rest] = process.argv.slice(2);
const python = await ensurePythonDevEnv();
switch (task) {
  case 'env':
    console.log(python);
    break;
  case 'lint': {
    // All three, so that one run shows every problem.
    const codes = [
      await run(python, ['-m', 'ruff', 'check', '.']),
      await run(python, ['-m', 'ruff', 'format', '--check', '.']),
      await run(python, ['-m', 'mypy']),
    ];
    process.exitCode = codes.some((code) => code !== 0) ? 1 : 0;
    break;
  }
  case 'test':
    process.exitCode = await run(python, ['-m', 'pytest', ...rest]);
    break;
  default:
    log(`unknown task ${JSON.stringify(task)}: use env, lint or test`);
    process.exitCode = 2;
}
