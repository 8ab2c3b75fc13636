// The JVM side of the PMML benchmark: builds gateway/bench/jvm-pmml (JPMML-Evaluator and PMML4S
// from Maven Central) when its sources are newer than its build, runs it on a plan file, and checks
// its answers against ours.
import { execFile } from 'node:child_process';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const project = fileURLToPath(new URL('../jvm-pmml/', import.meta.url));
const classpathFile = join(project, 'target/classpath.txt');
const sources = ['pom.xml', 'src/main/java/dev/slipway/bench/PmmlBench.java'];

const mtime = (p) =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => -1,
  );

/**
 * Compiles the Maven project unless it is up to date. Returns the build's wall time in seconds
 * (null when nothing was built) and the classpath to run it with.
 */
export async function buildJvmBench() {
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
        `building ${project} failed (needs a JDK 17+ and Maven on the PATH, and Maven Central):\n${err.stdout ?? ''}${err.stderr ?? err.message}`,
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

/** Runs PmmlBench on `plan` (written to `dir`; `plan.engine` picks the evaluator) and returns its answer. */
export async function runJvmBench(classpath, plan, dir) {
  const planFile = join(dir, `${plan.engine}-plan.json`);
  const outFile = join(dir, `${plan.engine}-out.json`);
  await writeFile(planFile, JSON.stringify(plan));
  await run('java', ['-cp', classpath, 'dev.slipway.bench.PmmlBench', planFile, outFile], {
    maxBuffer: 1 << 24,
  });
  return JSON.parse(await readFile(outFile, 'utf8'));
}

/**
 * PMML4S names the answers of a model without an Output element its own way (predicted_<target>,
 * probability_<category>); pypmml's fixture maker renames them so, and so does this.
 */
function ourName(engine, key, target) {
  if (engine !== 'pmml4s') return key;
  if (key === `predicted_${target}`) return target;
  if (key.startsWith('probability_')) return `probability(${key.slice('probability_'.length)})`;
  return key;
}

/**
 * Rows where a JVM evaluator's answers differ from ours (1e-9 relative), over the outputs both
 * give; `compared` counts the values looked at, so an empty comparison shows.
 */
export function compareAnswers(engine, model, jvmPredictions, tolerance = 1e-9) {
  const target = model.runtime.signature().outputs[0]?.name;
  let mismatchedRows = 0;
  let compared = 0;
  const examples = [];
  model.predictions.forEach((ours, i) => {
    let bad = false;
    for (const [k, want] of Object.entries(jvmPredictions[i])) {
      const name = ourName(engine, k, target);
      if (!(name in ours)) continue;
      compared++;
      const got = ours[name];
      const same =
        typeof want === 'number' && typeof got === 'number'
          ? Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want))
          : got === want;
      if (!same) {
        bad = true;
        if (examples.length < 3)
          examples.push({ row: i, record: model.records[i], field: name, ours: got, jvm: want });
      }
    }
    if (bad) mismatchedRows++;
  });
  return { mismatchedRows, compared, examples };
}
