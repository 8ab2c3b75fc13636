import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inheritedWorkerEnv } from '../config.js';
import { accessProblem, OTHER_USERS, whichCommand } from './reachable.js';

/** Where the Python workers' interpreter comes from. */
export interface PythonEnvOptions {
  /** `SLIPWAY_PYTHON`: use this interpreter as it is (it must have the requirements). */
  configured?: string;
  /** Folder for managed venvs, e.g. `<dataDir>/python`; each is `venv-<hash of requirements>`. */
  venvRoot: string;
  /** The worker's requirements file; a change to it makes a new venv. */
  requirementsFile: string;
  /**
   * Interpreter that creates the venv (Python 3.10+). Default `python3` — as root, one that
   * other users can run (see `basePythonFor`).
   */
  basePython?: string;
  /** Progress lines, one per step of a build (a first build takes a few minutes). */
  log?: (line: string) => void;
  /**
   * What the build's commands print (venv, pip: hundreds of lines), line by line; default
   * `log`. `npm start` sends it to a log file and keeps the console to the progress lines.
   */
  output?: (line: string) => void;
  /**
   * An interpreter whose installed packages the new venv sees after its own (through a `.pth`
   * file), so that pip installs only what is missing or pinned differently. Pickle deployments
   * with `requirements` layer their venv on the worker's this way: it builds in seconds.
   */
  inherit?: string;
  /**
   * Runs every command of the build (venv, pip) with this environment and, when `uid` is set,
   * as that user, who then owns the venv: pip runs the build code of the packages it installs,
   * which for a deployment's `requirements` is the publisher's choice, not the gateway's.
   */
  sandbox?: BuildSandbox;
}

/** How a venv build runs its commands: see `PythonEnvOptions.sandbox`. */
export interface BuildSandbox {
  /** The whole environment of the build's commands. */
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

/** Minimum Python for the worker (papermill 2.6 and ipykernel 7 need 3.9+; we test 3.10+). */
const MIN_PYTHON: [number, number] = [3, 10];
/** A lock older than this was left by a build that died; the next one takes over. */
const STALE_LOCK_MS = 30 * 60_000;
const READY_MARKER = '.slipway-ready';

/** Interpreters tried, as root, when `python3` on the PATH is one other users cannot run. */
const SHARED_PYTHONS = ['/usr/bin/python3', '/usr/local/bin/python3'];

/**
 * The interpreter a venv is made from, and whether the venv's folder name must say so. Workers
 * of a gateway running as root run as another user (worker-sandbox.ts), who must be able to
 * run the venv's interpreter — a venv links to its base, and a base under /root (pyenv's) is
 * out of that user's reach. So as root, when no base is named and `python3` on the PATH is one
 * other users cannot run, the first of /usr/bin/python3 and /usr/local/bin/python3 they can
 * run is used instead, and named in the venv's key.
 */
export function basePythonFor(basePython?: string): { python: string; keyed: boolean } {
  const python = basePython ?? 'python3';
  if (basePython !== undefined || process.getuid?.() !== 0) return { python, keyed: false };
  const found = whichCommand(python, inheritedWorkerEnv().worker.PATH);
  if (!found || !accessProblem(found, OTHER_USERS, true)) return { python, keyed: false };
  const shared = SHARED_PYTHONS.find((p) => existsSync(p) && !accessProblem(p, OTHER_USERS, true));
  return shared ? { python: shared, keyed: true } : { python, keyed: false };
}

/**
 * The managed venv's folder for a requirements file: `<venvRoot>/venv-<first 12 hex of
 * sha256>` of the file, and of the base interpreter when `basePythonFor` had to choose one.
 */
export function pythonEnvDir(
  venvRoot: string,
  requirementsFile: string,
  basePython?: string,
): string {
  const base = basePythonFor(basePython);
  const hash = createHash('sha256').update(readFileSync(requirementsFile));
  if (base.keyed) hash.update(`\n# made from ${base.python}\n`);
  return join(venvRoot, `venv-${hash.digest('hex').slice(0, 12)}`);
}

// One build per folder per process, however many callers ask at once.
const building = new Map<string, Promise<string>>();

/**
 * The Python interpreter for workers: the configured one, else a venv made from the
 * requirements file on first need and reused after (a changed file makes a new one). Safe
 * to call from several processes at once: one builds, the others wait for it.
 */
export async function ensurePythonEnv(opts: PythonEnvOptions): Promise<string> {
  if (opts.configured) return opts.configured;
  const dir = pythonEnvDir(opts.venvRoot, opts.requirementsFile, opts.basePython);
  let pending = building.get(dir);
  if (!pending) {
    pending = buildOnce(dir, opts).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}

async function buildOnce(dir: string, opts: PythonEnvOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const output = opts.output ?? log;
  const python = join(dir, 'bin', 'python');
  if (await isReady(dir, python)) return python;
  await mkdir(opts.venvRoot, { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age =
      Date.now() -
      (await stat(lock).then(
        (s) => s.mtimeMs,
        () => Date.now(),
      ));
    if (age > STALE_LOCK_MS) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    log(`[slipway] waiting for another process to finish the Python environment in ${dir}`);
    await new Promise((r) => setTimeout(r, 2_000));
    if (await isReady(dir, python)) return python;
  }
  try {
    if (await isReady(dir, python)) return python;
    await build(dir, python, opts, log, output);
    return python;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function build(
  dir: string,
  python: string,
  opts: PythonEnvOptions,
  log: (line: string) => void,
  output: (line: string) => void,
): Promise<void> {
  const base = basePythonFor(opts.basePython).python;
  const sandbox = opts.sandbox;
  await checkBasePython(base, sandbox);
  log(
    `[slipway] creating the Python environment for notebooks and pickles in ${dir} (first use; a few minutes)`,
  );
  await rm(dir, { recursive: true, force: true });
  if (sandbox?.uid !== undefined) {
    // Made here, owned by the build's user: the folder it is in stays the gateway's.
    await mkdir(dir);
    await chown(dir, sandbox.uid, sandbox.gid ?? sandbox.uid);
  }
  await run(base, ['-m', 'venv', dir], output, sandbox);
  if (opts.inherit) await inheritPackages(python, opts.inherit, sandbox);
  log(`[slipway] installing ${await describeRequirements(opts.requirementsFile)}`);
  await run(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '-r',
      opts.requirementsFile,
    ],
    output,
    sandbox,
  );
  await writeInVenv(python, join(dir, READY_MARKER), `${new Date().toISOString()}\n`, sandbox);
  log('[slipway] Python environment ready');
}

/**
 * Writes a file inside a venv: directly, or as the build's user when it owns the venv — the
 * gateway never writes as root into a folder another user controls (a planted symlink would
 * make it overwrite any file).
 */
async function writeInVenv(
  python: string,
  path: string,
  text: string,
  sandbox: BuildSandbox | undefined,
): Promise<void> {
  if (sandbox?.uid === undefined) return writeFile(path, text);
  const code = 'import sys\nwith open(sys.argv[1], "w") as f:\n    f.write(sys.argv[2])';
  await run(python, ['-c', code, path, text], () => {}, sandbox);
}

/** Puts `parent`'s site-packages on `python`'s path, after its own. */
async function inheritPackages(
  python: string,
  parent: string,
  sandbox: BuildSandbox | undefined,
): Promise<void> {
  const code =
    'import site, sysconfig; print(sysconfig.get_paths()["purelib"]); print(*site.getsitepackages(), sep="\\n")';
  const own = (await run(python, ['-c', code], () => {}, sandbox)).split('\n')[0]!.trim();
  const theirs = (await run(parent, ['-c', code], () => {}, sandbox))
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
  await writeInVenv(python, join(own, '_slipway_inherit.pth'), `${theirs.join('\n')}\n`, sandbox);
}

/** Ready = finished build and an interpreter that still exists (the base Python may have gone). */
async function isReady(dir: string, python: string): Promise<boolean> {
  try {
    await stat(join(dir, READY_MARKER));
    await stat(python); // follows the venv's symlink to the base interpreter
    return true;
  } catch {
    return false;
  }
}

async function checkBasePython(base: string, sandbox?: BuildSandbox): Promise<void> {
  let out = '';
  try {
    out = await run(
      base,
      ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      () => {},
      sandbox,
    );
  } catch {
    throw new Error(
      `cannot run ${base}: install Python ${MIN_PYTHON.join('.')}+ or set SLIPWAY_PYTHON to an interpreter that has the worker's requirements`,
    );
  }
  const [major = 0, minor = 0] = out.trim().split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new Error(
      `${base} is Python ${out.trim()}; the worker needs ${MIN_PYTHON.join('.')}+ (or set SLIPWAY_PYTHON)`,
    );
  }
}

async function describeRequirements(file: string): Promise<string> {
  const names = (await readFile(file, 'utf8'))
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.split(/[<>=!~;\s[]/)[0]);
  return names.length ? names.join(', ') : 'nothing (empty requirements file)';
}

/** Runs a command, forwarding its output line by line; resolves with its stdout. */
function run(
  command: string,
  args: string[],
  log: (line: string) => void,
  sandbox?: BuildSandbox,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(sandbox && { env: sandbox.env, uid: sandbox.uid, gid: sandbox.gid }),
    });
    let stdout = '';
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(`  ${line}`);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      forward(chunk);
    });
    child.stderr.on('data', forward);
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`)),
    );
  });
}
