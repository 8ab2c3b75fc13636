import { checkJava, ensureJvmWorkerJar } from '../java-env.js';

/**
 * Whether MOJO tests can run here: Java 11+ and the worker's jar (built when stale). In CI
 * (`CI=true`) they always run, so a machine without a JDK fails rather than skips.
 */
export async function javaForTests(): Promise<boolean> {
  if (process.env.CI === 'true') return true;
  try {
    await checkJava('java');
    await ensureJvmWorkerJar();
    return true;
  } catch {
    return false;
  }
}

/** What a suite without Java says, in the report, instead of running. */
export const NO_JAVA =
  'SKIPPED: no Java 11+ or JVM worker jar; install a JDK and Maven, then `npm run java -w gateway`';
