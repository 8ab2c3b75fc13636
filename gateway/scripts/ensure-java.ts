// Builds (or reuses) the JVM worker that serves H2O MOJOs: `mvn -q -B package` in
// gateway/workers/java, skipped when target/slipway-jvm-worker.jar is newer than pom.xml and
// every source file, printing the jar's path last. Without a JDK 11+ or Maven it says what to
// install and exits 0, so that every other format still builds and tests; MOJO publishing then
// answers 503 with the same advice. `--strict` (or CI=true) makes that an error instead.
import { checkJava, ensureJvmWorkerJar, INSTALL_JDK_HINT } from '../src/runtimes/mojo/java-env.js';

const strict = process.argv.includes('--strict') || process.env.CI === 'true';
const started = Date.now();
try {
  await checkJava(process.env.SLIPWAY_JAVA ?? 'java');
  const jar = await ensureJvmWorkerJar({ log: (line) => console.error(line) });
  console.error(`[slipway] JVM worker ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(jar);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`[slipway] the H2O MOJO runtime is unavailable: ${message}`);
  if (strict) process.exit(1);
  console.error(`[slipway] continuing without it; to serve MOJOs, ${INSTALL_JDK_HINT}`);
}
