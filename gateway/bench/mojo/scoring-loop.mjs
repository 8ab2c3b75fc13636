// The floor of the MOJO benchmark: builds gateway/bench/jvm-mojo (h2o-genmodel and Jackson from
// Maven Central, the worker's versions) when its sources are newer than its build, and runs its
// ScoringLoop on a MOJO and a records file (by hand: see jvm-mojo/pom.xml).
import { execFile } from 'node:child_process';
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const project = fileURLToPath(new URL('../jvm-mojo/', import.meta.url));
const classpathFile = join(project, 'target/classpath.txt');
const sources = ['pom.xml', 'src/main/java/dev/slipway/bench/ScoringLoop.java'];

const mtime = (p) =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => -1,
  );

/**
 * Compiles the Maven project unless it is up to date. Returns the build's wall time in seconds
 * (null when nothing was built) and the classpath to run ScoringLoop with.
 */
export async function buildScoringLoop() {
  const built = await mtime(classpathFile);
  const newest = Math.max(...(await Promise.all(sources.map((s) => mtime(join(project, s))))));
  let buildSeconds = null;
  if (built < newest) {
    const t = performance.now();
    try {
      await run(
        'mvn',
        [
          '-q',
          '-B',
          'compile',
          'dependency:build-classpath',
          '-Dmdep.outputFile=target/classpath.txt',
        ],
        { cwd: project, maxBuffer: 1 << 24 },
      );
    } catch (err) {
      throw new Error(
        `building ${project} failed (needs a JDK 11+ and Maven on the PATH, and Maven Central):\n${err.stdout ?? ''}${err.stderr ?? err.message}`,
      );
    }
    buildSeconds = (performance.now() - t) / 1000;
    // Maven leaves an unchanged classpath file as it was; the stamp is what says "built".
    const now = new Date();
    await utimes(classpathFile, now, now);
  }
  const deps = (await readFile(classpathFile, 'utf8')).trim();
  return { buildSeconds, classpath: `${join(project, 'target/classes')}:${deps}` };
}

/**
 * Scores `mojo` with h2o-genmodel in a plain Java loop over the records in `recordsFile`, for
 * `seconds` sequentially and again on `threads` threads. Resolves with ScoringLoop's JSON line:
 * `{calls, p50Us, p95Us, p99Us, seqPerSec, threads, parallelPerSec, java}`.
 */
export async function runScoringLoop(classpath, mojo, recordsFile, seconds, threads) {
  const args = ['-cp', classpath, 'dev.slipway.bench.ScoringLoop', mojo, recordsFile];
  try {
    const { stdout } = await run('java', [...args, String(seconds), String(threads)], {
      maxBuffer: 1 << 24,
    });
    return JSON.parse(stdout.trim().split('\n').pop());
  } catch (err) {
    throw new Error(`ScoringLoop failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}
