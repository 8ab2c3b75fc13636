import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Format, PoolName } from '../protocol/deployments.js';
import { moduleImports } from './module-imports.js';
import { transpileRunner } from './transpile-runner.js';

/** Where the built gateway is: its compiled `dist/`, its workers and its node_modules. */
export interface GatewayBuild {
  /** The compiled gateway (`tsc -p tsconfig.build.json`): `dist/runner/main.js` and the rest. */
  distDir: string;
  /**
   * The gateway's TypeScript sources, when it runs from them: the runner's modules are then
   * transpiled from there into `distDir` at each export, so that they match what runs.
   */
  sourceDir?: string;
  /** `workers/python` (the Python worker) and `workers/java` (the JVM worker's project). */
  workersDir: string;
  /** Where its npm packages are found: this folder's node_modules, then its parents'. */
  packageDir: string;
}

/** One file of a bundle's runner: where it goes in `runner/`, and where it is read from. */
export interface RunnerFile {
  path: string;
  source: string;
}

/** What a runner of one format needs: its files and the npm packages they import. */
export interface RunnerFiles {
  files: RunnerFile[];
  /** Package name to its installed version, exactly: what `runner/package.json` depends on. */
  dependencies: Record<string, string>;
  /** The JVM worker's jar is in `files` (built); without it the runner builds it with Maven. */
  hasJar: boolean;
  /** The runner needs Python (the Python worker and its requirements). */
  python: boolean;
  /** The runner needs a JVM. */
  jvm: boolean;
}

/** The runner is not built: there is no `dist/runner/main.js` to ship. */
export class RunnerNotBuiltError extends Error {
  override name = 'RunnerNotBuiltError';
}

/** The package a bare specifier names: `@scope/pkg/sub` is `@scope/pkg`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * The compiled modules reachable from `entries` (paths under `distDir`), and the npm packages
 * they import. A runner imports its format's runtime by a computed path
 * (`runner/formats/index.ts`), so walking from `runner/main.js` finds no runtime at all, and
 * the format's own module is an entry.
 */
export function moduleClosure(distDir: string, entries: string[]) {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = entries.map((e) => resolve(distDir, e));
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    if (!existsSync(file)) throw new RunnerNotBuiltError(`${relative(distDir, file)} is missing`);
    seen.add(file);
    for (const specifier of moduleImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) stack.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(packageOf(specifier));
    }
  }
  return { modules: [...seen].sort(), packages: [...packages].sort() };
}

/** The installed version of `name`, found as Node finds it from `from`. */
function installedVersion(name: string, from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest))
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) throw new RunnerNotBuiltError(`npm package ${name} is not installed`);
  }
}

/** Every file under `dir`, but Python's caches, as paths relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '__pycache__' || e.name.endsWith('.pyc')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * What the runner of one version needs, from the built gateway: the compiled modules its
 * format reaches (ONNX worker processes where its runtime uses them), the Python worker for
 * pickles, notebooks and ONNX on the python engine, the JVM worker for MOJOs, and the npm
 * packages those modules import, at the versions installed here.
 */
export async function runnerFiles(
  build: GatewayBuild,
  spec: { format: Format; pool: PoolName; config: Record<string, unknown> },
): Promise<RunnerFiles> {
  const { format } = spec;
  const entries = ['runner/main.js', `runner/formats/${format}.js`];
  // ONNX models, and PMML documents off the cpu pool, are scored in ONNX worker processes.
  if (format === 'onnx' || (format === 'pmml' && spec.pool !== 'cpu'))
    entries.push('runtimes/onnx/worker/onnx-worker.js');
  if (build.sourceDir) await transpileRunner(build.sourceDir, build.distDir, entries);
  const closure = moduleClosure(build.distDir, entries);
  const files: RunnerFile[] = closure.modules.map((source) => ({
    path: `dist/${relative(build.distDir, source).split(sep).join('/')}`,
    source,
  }));
  const python =
    format === 'pickle' ||
    format === 'notebook' ||
    (format === 'onnx' && spec.config.engine === 'python');
  if (python) {
    const dir = join(build.workersDir, 'python');
    for (const f of filesUnder(dir))
      if (f === 'requirements.txt' || f.startsWith(`slipway_worker${sep}`))
        files.push({ path: `workers/python/${f.split(sep).join('/')}`, source: join(dir, f) });
  }
  const jvm = format === 'mojo';
  let hasJar = false;
  if (jvm) {
    const dir = join(build.workersDir, 'java');
    files.push({ path: 'workers/java/pom.xml', source: join(dir, 'pom.xml') });
    for (const f of filesUnder(join(dir, 'src', 'main')))
      files.push({
        path: `workers/java/src/main/${f.split(sep).join('/')}`,
        source: join(dir, 'src', 'main', f),
      });
    const jar = join(dir, 'target', 'slipway-jvm-worker.jar');
    hasJar = existsSync(jar) && statSync(jar).isFile();
    if (hasJar) files.push({ path: 'workers/java/target/slipway-jvm-worker.jar', source: jar });
  }
  const dependencies = Object.fromEntries(
    closure.packages.map((name) => [name, installedVersion(name, build.packageDir)]),
  );
  return { files, dependencies, hasJar, python, jvm };
}

/**
 * The gateway this module is part of: its `dist/` when it runs from there (production, `npm
 * start`); when it runs from its sources (tsx), those, transpiled into `scratchDir` on export.
 */
export function thisGatewayBuild(scratchDir: string): GatewayBuild {
  const packageDir = fileURLToPath(new URL('../..', import.meta.url));
  const fromSources = import.meta.url.endsWith('.ts');
  return {
    distDir: fromSources ? scratchDir : join(packageDir, 'dist'),
    ...(fromSources && { sourceDir: join(packageDir, 'src') }),
    workersDir: join(packageDir, 'workers'),
    packageDir,
  };
}
