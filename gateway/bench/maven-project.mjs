// Builds a small Maven project of the benchmarks (the JVM peers and floors) when its sources are
// newer than its build, and answers the classpath to run its classes with.
import { execFile } from 'node:child_process';
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const mtime = (p) =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => -1,
  );

/**
 * Compiles `project` (a folder with a pom.xml) unless it is up to date with `sources` (paths
 * inside it). Returns the build's wall time in seconds (null when nothing was built) and the
 * classpath: its classes and its dependencies. `jdk` names the JDK the error message asks for.
 */
export async function buildMavenProject(project, sources, { jdk = '11+' } = {}) {
  const classpathFile = join(project, 'target/classpath.txt');
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
        `building ${project} failed (needs a JDK ${jdk} and Maven on the PATH, and Maven Central):\n${err.stdout ?? ''}${err.stderr ?? err.message}`,
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
