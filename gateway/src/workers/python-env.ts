import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the Python worker's environment comes from. */
export interface PythonEnvOptions {
  /** `SLIPWAY_PYTHON`: use this interpreter as it is. */
  configured?: string;
  /** Folder for the managed venvs (`<dataDir>/python`). */
  venvRoot: string;
  /** The worker's requirements file; a change makes a new venv. */
  requirementsFile: string;
  /** Interpreter used to create the venv. */
  basePython?: string;
  log?: (line: string) => void;
}

/**
 * The Python interpreter for workers: the configured one, else a venv built from the
 * requirements file on first need and reused after (keyed by the file's hash).
 */
export async function ensurePythonEnv(opts: PythonEnvOptions): Promise<string> {
  if (opts.configured) return opts.configured;
  const log = opts.log ?? (() => {});
  const requirements = await readFile(opts.requirementsFile);
  const key = createHash('sha256').update(requirements).digest('hex').slice(0, 12);
  const dir = join(opts.venvRoot, `venv-${key}`);
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, '.slipway-ready');
  if (await exists(marker)) return python;
  log(
    `[slipway] creating the Python environment for notebooks in ${dir} (first use; takes a few minutes)`,
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(opts.venvRoot, { recursive: true });
  await run(opts.basePython ?? 'python3', ['-m', 'venv', dir], log);
  log('[slipway] installing papermill, ipykernel and the worker requirements…');
  await run(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', opts.requirementsFile],
    log,
  );
  await writeFile(marker, `${new Date().toISOString()}\n`);
  log('[slipway] Python environment ready');
  return python;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.trim()) log(`  ${line}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) =>
      reject(
        new Error(
          `cannot run ${command}: ${err.message}; install Python 3.10+ or set SLIPWAY_PYTHON`,
        ),
      ),
    );
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`)),
    );
  });
}
