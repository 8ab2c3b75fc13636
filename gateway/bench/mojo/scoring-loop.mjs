// The floor of the MOJO benchmark: builds gateway/bench/jvm-mojo (h2o-genmodel and Jackson from
// Maven Central, the worker's versions) when its sources are newer than its build, and runs its
// ScoringLoop on a MOJO and a records file (by hand: see jvm-mojo/pom.xml).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildMavenProject } from '../maven-project.mjs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const project = fileURLToPath(new URL('../jvm-mojo/', import.meta.url));
const sources = ['pom.xml', 'src/main/java/dev/slipway/bench/ScoringLoop.java'];

/**
 * Compiles the Maven project unless it is up to date. Returns the build's wall time in seconds
 * (null when nothing was built) and the classpath to run ScoringLoop with.
 */
export function buildScoringLoop() {
  return buildMavenProject(project, sources, { jdk: '11+' });
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
