import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, statSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '../config.js';
import type { BuildSandbox } from './python-env.js';
import { accessProblem, blockedFolder, type Accessor } from './reachable.js';
import { workerEnvironment, type InheritedWorkerEnv } from './worker-env.js';
import type { SpawnWorker, WorkerCommand } from './worker-supervisor.js';

/** The unprivileged user workers run as when the gateway runs as root. */
export type WorkerIdentity = Accessor;

/** Tried in this order when `SLIPWAY_WORKER_USER` is not set and the gateway runs as root. */
export const DEFAULT_WORKER_USERS = ['slipway-worker', 'nobody'];

/** Entries of the data dir that workers reach; everything else there is the gateway's alone. */
const SHARED_WITH_WORKERS = new Set(['artifacts', 'runs', 'python']);

/** A passwd entry: name, uid, primary gid. */
interface PasswdEntry {
  user: string;
  uid: number;
  gid: number;
}

function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4 && f[0] && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ user: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}

/**
 * Who workers run as. The gateway running as root: `setting` (`SLIPWAY_WORKER_USER`: a user
 * name from /etc/passwd, or `uid:gid`), else `slipway-worker` when that user exists, else
 * `nobody`; undefined when `setting` names root itself (an explicit choice not to switch).
 * Any other user cannot switch: undefined, or an error when `setting` asks for another user.
 */
export function resolveWorkerIdentity(
  setting: string | undefined,
  self: { uid: number | undefined },
  passwd: string,
): WorkerIdentity | undefined {
  const entries = parsePasswd(passwd);
  const numeric = setting ? /^(\d+):(\d+)$/.exec(setting) : null;
  const named = (name: string) => entries.find((e) => e.user === name);
  let wanted: WorkerIdentity | undefined;
  if (numeric) {
    const uid = Number(numeric[1]);
    const user = entries.find((e) => e.uid === uid)?.user ?? `uid ${uid}`;
    wanted = { user, uid, gid: Number(numeric[2]) };
  } else if (setting) {
    wanted = named(setting);
    if (!wanted)
      throw new ConfigError(
        `SLIPWAY_WORKER_USER=${setting}: no such user in /etc/passwd (create it, e.g. \`useradd --system --no-create-home ${setting}\`, or give uid:gid)`,
      );
  }
  if (self.uid !== 0) {
    if (wanted && wanted.uid !== self.uid)
      throw new ConfigError(
        `SLIPWAY_WORKER_USER=${setting}: running workers as another user needs the gateway to run as root (it runs as uid ${self.uid}); unset SLIPWAY_WORKER_USER or start the gateway as root`,
      );
    return undefined;
  }
  if (wanted) return wanted.uid === 0 ? undefined : wanted;
  const fallback = DEFAULT_WORKER_USERS.map(named).find((e) => e && e.uid !== 0);
  if (!fallback)
    throw new ConfigError(
      `the gateway runs as root and none of ${DEFAULT_WORKER_USERS.join(', ')} exists to run workers as: create one or set SLIPWAY_WORKER_USER`,
    );
  return fallback;
}

export interface WorkerSandboxOptions {
  /** What workers inherit from the gateway's environment (`Config.workerEnv`). */
  env: InheritedWorkerEnv;
  /** `SLIPWAY_WORKER_USER`. */
  user?: string;
  /** The gateway's notes (which user, what was changed). */
  log?: (line: string) => void;
}

/**
 * How every worker process is started (see `spawn`): with an allow-listed environment, its own
 * scratch folder as `HOME` and `TMPDIR`, and — when the gateway runs as root — as an
 * unprivileged user, with the data dir arranged so that this user reads the artifacts, writes
 * executed notebooks and a deployment's venvs, and reaches nothing else there (the admin
 * token, the database files, the invocation journal).
 */
export class WorkerSandbox {
  private scratchRoot: string | undefined;
  private pipHome: string | undefined;
  private who: WorkerIdentity | undefined;

  constructor(private readonly opts: WorkerSandboxOptions) {}

  /** The user workers run as; undefined when they run as the gateway's own user. */
  get identity(): WorkerIdentity | undefined {
    return this.who;
  }

  /**
   * Resolves the worker user, makes the scratch root, and sets the data dir's modes (and, as
   * root, owners): see `prepareDataDir`; without a worker user only the gateway's own files are
   * closed, to other local users. Throws ConfigError, saying what to change, when the worker
   * user cannot reach the data dir or cannot be had.
   */
  async init(dataDir: string): Promise<void> {
    const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
    this.who = resolveWorkerIdentity(this.opts.user, { uid: process.getuid?.() }, passwd);
    const log = this.opts.log ?? (() => {});
    if (this.who) {
      await prepareDataDir(dataDir, this.who);
      log(
        `[slipway] workers run as ${this.who.user} (uid ${this.who.uid}); the admin token and database in ${dataDir} are closed to them`,
      );
    } else {
      // Workers run as the gateway's user and could read these anyway; other local users not.
      await closeGatewayFiles(dataDir);
      if (process.getuid?.() === 0)
        log(
          '[slipway] SLIPWAY_WORKER_USER names root: workers run as root and can read the admin token and the database files',
        );
    }
    // Short names: kernels' Unix sockets live below a worker's scratch (108 bytes at most).
    this.scratchRoot = await mkdtemp(join(tmpdir(), 'slipway-'));
    if (this.who) await chmod(this.scratchRoot, 0o711);
    this.pipHome = await this.makeScratch('pip-');
  }

  /** Removes the scratch folders. */
  async close(): Promise<void> {
    if (this.scratchRoot) await rm(this.scratchRoot, { recursive: true, force: true });
    this.scratchRoot = undefined;
  }

  /** A `SpawnWorker` for the supervisors: see the class comment. */
  readonly spawn: SpawnWorker = (cmd) => {
    if (!this.scratchRoot) throw new Error('the worker sandbox is used before init()');
    const who = this.who;
    if (who) assertReachable(cmd, who);
    const scratch = mkdtempSync(join(this.scratchRoot, 'w-'));
    if (who) chownSync(scratch, who.uid, who.gid);
    const child = spawn(cmd.command, cmd.args, {
      cwd: cmd.cwd ?? scratch,
      env: workerEnvironment(this.opts.env.worker, cmd.env, scratch),
      uid: who?.uid,
      gid: who?.gid,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      void rm(scratch, { recursive: true, force: true });
    };
    child.once('exit', remove);
    child.once('error', remove);
    return child;
  };

  /**
   * How pip installs a deployment's `requirements` (which runs the packages' build code): as
   * the worker user, with the workers' environment plus pip's own settings and proxies.
   */
  pipSandbox(): BuildSandbox {
    if (!this.pipHome) throw new Error('the worker sandbox is used before init()');
    return {
      env: workerEnvironment({ ...this.opts.env.worker, ...this.opts.env.pip }, {}, this.pipHome),
      uid: this.who?.uid,
      gid: this.who?.gid,
    };
  }

  /** Makes a folder or file the gateway made (under `runs/`) the workers', as `runs/` is. */
  async handOver(dir: string): Promise<void> {
    if (this.who) await chown(dir, this.who.uid, this.who.gid);
  }

  private async makeScratch(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(this.scratchRoot!, prefix));
    if (this.who) await chown(dir, this.who.uid, this.who.gid);
    return dir;
  }
}

/**
 * The data dir as root arranges it for workers running as `who`:
 * - the data dir itself 0711: workers pass through, cannot list it;
 * - `artifacts/` root:<worker group> 2710, its files 0640: workers read a file they are told
 *   of, cannot list or change any (new files take the folder's group);
 * - `runs/` owned by the worker user, 0700: the notebook worker writes executed notebooks;
 * - `python/` (the managed venvs) 0755: read and run; a deployment's requirement venv under
 *   `python/models/` is made by pip running as the worker user;
 * - everything else (`admin-token`, `db/`, `journal/`, …) loses its group and other bits.
 */
async function prepareDataDir(dataDir: string, who: WorkerIdentity): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const blocked = blockedFolder(dirname(dataDir), who);
  if (blocked)
    throw new ConfigError(
      `workers run as ${who.user} and cannot reach the data dir ${dataDir}: ${blocked}; make it traversable (chmod o+x) or choose another SLIPWAY_DATA_DIR`,
    );
  await chmod(dataDir, 0o711);
  const artifacts = join(dataDir, 'artifacts');
  await mkdir(artifacts, { recursive: true });
  await chown(artifacts, statSync(artifacts).uid, who.gid);
  await chmod(artifacts, 0o2710);
  for (const name of await readdir(artifacts)) {
    const path = join(artifacts, name);
    const st = await lstat(path);
    if (!st.isFile()) continue;
    await chown(path, st.uid, who.gid);
    await chmod(path, 0o640);
  }
  const runs = join(dataDir, 'runs');
  await mkdir(runs, { recursive: true });
  await chown(runs, who.uid, who.gid);
  await chmod(runs, 0o700);
  const python = join(dataDir, 'python');
  await mkdir(join(python, 'models'), { recursive: true });
  await chmod(python, 0o755);
  await chmod(join(python, 'models'), 0o755);
  await closeGatewayFiles(dataDir);
}

/**
 * Takes the group and other bits off everything in the data dir that workers do not use: the
 * admin token, the PGlite database (which writes its files 0666), the invocation journal.
 */
async function closeGatewayFiles(dataDir: string): Promise<void> {
  const names = await readdir(dataDir).catch(() => []);
  for (const name of names) {
    if (SHARED_WITH_WORKERS.has(name)) continue;
    const path = join(dataDir, name);
    const st = await lstat(path);
    if (st.isSymbolicLink()) continue;
    await chmod(path, st.mode & 0o700);
  }
}

/**
 * Throws, naming the path and its mode, when the worker user cannot run the command, enter
 * its folder or read a file or folder named on its command line (the jar, …). Mode bits only:
 * an ACL that grants more is not consulted.
 */
function assertReachable(cmd: WorkerCommand, who: WorkerIdentity): void {
  const checks: [string, boolean][] = [];
  if (cmd.command.includes('/')) checks.push([cmd.command, true]);
  if (cmd.cwd) checks.push([cmd.cwd, false]);
  for (const arg of cmd.args) if (isAbsolute(arg)) checks.push([arg, false]);
  for (const [path, executable] of checks) {
    const why = accessProblem(path, who, executable);
    if (why)
      throw new Error(
        `workers run as ${who.user}, who cannot use ${path}: ${why}. Make it readable by that user (or set SLIPWAY_WORKER_USER)`,
      );
  }
}
