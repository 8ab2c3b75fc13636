// The JVM side of the PMML benchmark: builds gateway/bench/jvm-pmml (JPMML-Evaluator and PMML4S
// from Maven Central) when its sources are newer than its build, runs it on a plan file, and checks
// its answers against ours.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMavenProject } from '../maven-project.mjs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const project = fileURLToPath(new URL('../jvm-pmml/', import.meta.url));
const sources = ['pom.xml', 'src/main/java/dev/slipway/bench/PmmlBench.java'];

/**
 * Compiles the Maven project unless it is up to date. Returns the build's wall time in seconds
 * (null when nothing was built) and the classpath to run PmmlBench with.
 */
export function buildJvmBench() {
  return buildMavenProject(project, sources, { jdk: '17+' });
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
 * probability_<category>); pypmml's fixture maker renames them so, and so does this. JPMML's
 * synthetic target (`_target`) is our first answer (`prediction`, or the Output field carrying it).
 */
function ourName(engine, key, target) {
  // JPMML's unnamed target (a model without a target field): our first answer.
  if (key === '_target') return target;
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
          : JSON.stringify(got) === JSON.stringify(want); // lists: an association's itemsets
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
