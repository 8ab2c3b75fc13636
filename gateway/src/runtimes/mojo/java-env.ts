import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotReadyError } from '../../errors.js';

/** The Maven project of the JVM worker (h2o-genmodel + Jackson). */
export const JVM_WORKER_DIR = fileURLToPath(new URL('../../../workers/java', import.meta.url));

/** The runnable jar `mvn package` makes there. */
export const JVM_WORKER_JAR = join(JVM_WORKER_DIR, 'target', 'slipway-jvm-worker.jar');

/** h2o-genmodel 3.46 is built for Java 8, the worker for 11 (`maven.compiler.release`). */
export const MIN_JAVA = 11;

/** What to tell someone whose machine cannot run the worker. */
export const INSTALL_JDK_HINT =
  'install a JDK 11 or newer and Maven (e.g. `apt install openjdk-17-jdk-headless maven`), then run `npm run java --workspace gateway`';

/** A lock older than this was left by a build that died; the next one takes over. */
const STALE_LOCK_MS = 15 * 60_000;

/** Runs a command and resolves with its exit code and both streams (never rejects). */
function run(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number | null; out: string; error?: Error }> {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: null, out, error: error as Error });
      return;
    }
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', (error) => resolve({ code: null, out, error }));
    child.once('close', (code) => resolve({ code, out }));
  });
}

/**
 * The major version a `java -version` banner names: `openjdk version "17.0.15"` is 17,
 * `java version "1.8.0_392"` is 8. Undefined when there is none.
 */
export function parseJavaVersion(banner: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(banner);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/**
 * Checks that `java` runs and is 11 or newer; resolves with its major version. Rejects with
 * NotReadyError (503) saying what to install: a missing JDK is the server's state, not a
 * fault of the model being published.
 */
export async function checkJava(java: string): Promise<number> {
  const { code, out, error } = await run(java, ['-version']);
  if (error || code !== 0)
    throw new NotReadyError(
      `serving H2O MOJOs needs Java, and "${java}" did not run (${error?.message ?? `exit code ${code}`}): ${INSTALL_JDK_HINT}`,
    );
  const major = parseJavaVersion(out);
  if (major === undefined || major < MIN_JAVA)
    throw new NotReadyError(
      `serving H2O MOJOs needs Java ${MIN_JAVA} or newer, and "${java}" is ${major ?? 'of an unknown version'}: ${INSTALL_JDK_HINT}`,
    );
  return major;
}

async function mtime(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/** The newest modification time among the files that make the jar (pom.xml and src/main/). */
async function newestSource(dir: string): Promise<number> {
  let newest = (await mtime(join(dir, 'pom.xml'))) ?? 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else newest = Math.max(newest, (await mtime(p)) ?? 0);
    }
  };
  // Not src/test: the JUnit tests are not in the jar (`npm run test:java` runs them).
  await walk(join(dir, 'src', 'main'));
  return newest;
}

/** True when the jar exists and is newer than pom.xml and every file under src/main. */
export async function jarIsFresh(dir = JVM_WORKER_DIR): Promise<boolean> {
  const jar = await mtime(join(dir, 'target', 'slipway-jvm-worker.jar'));
  return jar !== undefined && jar > (await newestSource(dir));
}

export interface JarBuildOptions {
  /** Maven's command. Default `mvn`. */
  mvn?: string;
  /** The project folder. Default: the worker's. */
  dir?: string;
  log?: (line: string) => void;
}

// One build per folder per process, however many callers ask at once.
const building = new Map<string, Promise<string>>();

/** Maven's arguments for the jar: tests neither compiled nor run here (`npm run test:java`). */
export const JAR_BUILD_ARGS = ['-q', '-B', '-Dmaven.test.skip=true', 'package'];

/**
 * The worker's jar, built with `mvn -q -B -Dmaven.test.skip=true package` when it is missing or
 * older than its sources (Maven downloads its plugins and h2o-genmodel the first time). A stale
 * jar is used as it is when Maven is not installed. Safe to call from several processes at once:
 * one builds, the others wait for it. Rejects with NotReadyError (503) saying what to install or
 * run.
 */
export function ensureJvmWorkerJar(opts: JarBuildOptions = {}): Promise<string> {
  const dir = opts.dir ?? JVM_WORKER_DIR;
  let pending = building.get(dir);
  if (!pending) {
    pending = buildOnce(dir, opts).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}

async function buildOnce(dir: string, opts: JarBuildOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const jar = join(dir, 'target', 'slipway-jvm-worker.jar');
  if (await jarIsFresh(dir)) return jar;
  const lock = join(dir, 'target', '.slipway-build.lock');
  await mkdir(join(dir, 'target'), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = Date.now() - ((await mtime(lock)) ?? Date.now());
    if (age > STALE_LOCK_MS) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, 1_000));
    if (await jarIsFresh(dir)) return jar;
  }
  try {
    if (await jarIsFresh(dir)) return jar;
    const mvn = opts.mvn ?? 'mvn';
    log(`[slipway] building the JVM worker: ${mvn} ${JAR_BUILD_ARGS.join(' ')} in ${dir}`);
    const started = Date.now();
    const { code, out, error } = await run(mvn, JAR_BUILD_ARGS, dir);
    if (error || code !== 0) {
      const exists = (await mtime(jar)) !== undefined;
      if (error && exists) {
        log(`[slipway] ${mvn} did not run (${error.message}); using the existing, older jar`);
        return jar;
      }
      if (out.trim()) log(out.trim().split('\n').slice(-30).join('\n'));
      throw new NotReadyError(
        error
          ? `the JVM worker that serves H2O MOJOs is not built and Maven ("${mvn}") did not run (${error.message}): ${INSTALL_JDK_HINT}`
          : `building the JVM worker that serves H2O MOJOs failed (${mvn} exited with ${code}; see the gateway log); run \`npm run java --workspace gateway\` to see why`,
      );
    }
    log(`[slipway] JVM worker built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${jar}`);
    return jar;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
