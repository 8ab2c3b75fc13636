// `npm test` and `npm run test:fast`: runs each suite of a tier in turn, every one even when an
// earlier one failed, then prints one line per suite (name, result, duration) and exits 1 when
// any failed. `npm test -- gateway ui` runs only the suites named; `--fast` picks the fast tier
// (the unit tests that need only Node: see gateway/vitest.config.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { digestLines, failuresOf } from './failure-digest.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Suite {
  name: string;
  /** What runs, as one would type it to run the suite alone (from `cwd`). */
  command: string[];
  /** Folder the command runs in, relative to the repository root. */
  cwd?: string;
  /** An npm script the command runs, which must exist: `[package folder, script name]`. */
  script?: [string, string];
  /** The JSON report the suite writes in CI (.ci/run adds them up); removed before it runs. */
  report?: string;
}

type Result = 'passed' | 'failed' | 'skipped';
interface Outcome {
  suite: Suite;
  result: Result;
  seconds: number;
  /** Why a suite failed without running, or why it skipped. */
  note?: string;
}

const npmScript = (workspace: string, script: string): Suite['command'] => [
  'npm',
  'run',
  script,
  '--workspace',
  workspace,
];

const FULL: Suite[] = [
  { name: 'lint', command: ['npm', 'run', 'lint'] },
  { name: 'typecheck', command: ['npm', 'run', 'typecheck'] },
  {
    name: 'extension',
    command: ['npm', 'run', 'test:unit'],
    report: 'extension/test-results.json',
  },
  {
    name: 'gateway',
    command: ['npm', 'test', '--workspace', 'gateway'],
    report: 'gateway/test-results.json',
  },
  {
    name: 'python',
    command: npmScript('gateway', 'test:python'),
    script: ['gateway', 'test:python'],
  },
  {
    name: 'python-lint',
    command: npmScript('gateway', 'lint:python'),
    script: ['gateway', 'lint:python'],
  },
  {
    // The Python client (clients/python): pytest against a real gateway process, and its lint.
    name: 'python-client',
    command: ['npm', 'run', 'test:python-client'],
    script: ['.', 'test:python-client'],
  },
  {
    name: 'python-client-lint',
    command: ['npm', 'run', 'lint:python-client'],
    script: ['.', 'lint:python-client'],
  },
  { name: 'java', command: npmScript('gateway', 'test:java'), script: ['gateway', 'test:java'] },
  {
    // Builds the control plane's binaries when they are not cached yet (about 13 min), then
    // runs the Kubernetes backend's tests against it.
    name: 'kubernetes',
    command: npmScript('gateway', 'test:kubernetes'),
    script: ['gateway', 'test:kubernetes'],
    report: 'gateway/test-results.kubernetes.json',
  },
  {
    // Fetches the Kafka broker's jars when they are not cached yet (Maven Central), then runs the
    // stream bindings' tests against a broker started for the run.
    name: 'streams',
    command: npmScript('gateway', 'test:streams'),
    script: ['gateway', 'test:streams'],
    report: 'gateway/test-results.streams.json',
  },
  {
    // The runner image (deploy/runner/Dockerfile, target node) built with buildah, and a runner
    // started from it answering a fixture.
    name: 'image',
    command: ['bash', 'scripts/image/test-image.sh'],
    report: 'gateway/test-results.image.json',
  },
  {
    name: 'ui',
    command: ['npm', 'test', '--workspace', 'ui-tests'],
    report: 'ui-tests/test-results.json',
  },
  {
    // The jupyterlab-slipway wheel built, pip-installed into a fresh venv with a plain
    // JupyterLab, its server extension tested there, and that JupyterLab driven in Chromium.
    name: 'wheel',
    command: ['npm', 'run', 'test:wheel'],
    script: ['.', 'test:wheel'],
  },
];

// No npm in between: its start-up is a second or two of a tier meant to take well under a minute.
const FAST: Suite[] = [
  {
    name: 'extension',
    command: ['node_modules/.bin/vitest', 'run', '--root', 'extension'],
    report: 'extension/test-results.json',
  },
  {
    name: 'gateway-fast',
    command: ['../node_modules/.bin/vitest', 'run', '--mode', 'fast'],
    cwd: 'gateway',
    report: 'gateway/test-results.json',
  },
];

const { values: options, positionals: only } = parseArgs({
  options: { fast: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const tier = options.fast ? FAST : FULL;
const unknown = only.filter((name) => !tier.some((s) => s.name === name));
if (unknown.length) {
  console.error(
    `[tests] no suite named ${unknown.join(', ')}; the suites are ${tier.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const suites = only.length ? tier.filter((s) => only.includes(s.name)) : tier;

/** The npm script a suite needs, when its package.json lacks it (a suite being added). */
function missingScript(suite: Suite): string | undefined {
  if (!suite.script) return undefined;
  const [workspace, script] = suite.script;
  const pkg = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return pkg.scripts?.[script]
    ? undefined
    : `${workspace}/package.json has no "${script}" script: the suite cannot run`;
}

let current: ReturnType<typeof spawn> | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    // A Ctrl-C reaches the suite's processes too (one process group); a SIGTERM may not.
    current?.kill(signal);
  });
}

function run(suite: Suite, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const [command, ...args] = suite.command;
    current = spawn(command!, args, { cwd: join(root, suite.cwd ?? '.'), env, stdio: 'inherit' });
    current.once('error', (err) => {
      console.error(`[tests] ${suite.name}: cannot run ${command}: ${err.message}`);
      resolve(1);
    });
    current.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'slipway-tests-'));
const outcomes: Outcome[] = [];
const started = performance.now();
console.log(`[tests] ${suites.map((s) => s.name).join(', ')}`);
for (const suite of suites) {
  if (interrupted) break;
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  console.log(`\n[tests] ── ${suite.name}: ${suite.command.join(' ')}`);
  const missing = missingScript(suite);
  if (missing) {
    console.error(`[tests] ${suite.name} FAILED: ${missing}`);
    outcomes.push({ suite, result: 'failed', seconds: seconds(), note: missing });
    continue;
  }
  if (suite.report) rmSync(join(root, suite.report), { force: true });
  // A suite that skips itself (the UI tests without Chromium) says why in this file.
  const skippedFile = join(scratch, `${suite.name}.skipped`);
  const code = await run(suite, { ...process.env, SLIPWAY_TEST_SKIPPED_FILE: skippedFile });
  const skipped = existsSync(skippedFile) ? readFileSync(skippedFile, 'utf8').trim() : undefined;
  const result: Result = code !== 0 ? 'failed' : skipped !== undefined ? 'skipped' : 'passed';
  outcomes.push({ suite, result, seconds: seconds(), note: skipped });
}
rmSync(scratch, { recursive: true, force: true });

const width = Math.max(...suites.map((s) => s.name.length));
const failed = outcomes.filter((o) => o.result === 'failed');
// Each failed test by name and message, from the reports CI has the suites write: a long run's
// log is read from its end.
for (const { suite } of failed) {
  const report = suite.report && join(root, suite.report);
  if (!report || !existsSync(report)) continue;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    continue;
  }
  const lines = digestLines(suite.name, failuresOf(parsed, root));
  if (lines.length) console.log(`\n${lines.join('\n')}`);
}
console.log(`\n[tests] ${options.fast ? 'fast tier' : 'all suites'}:`);
for (const { suite, result, seconds, note } of outcomes) {
  const line = `  ${suite.name.padEnd(width)}  ${result.toUpperCase().padEnd(7)}  ${seconds.toFixed(1).padStart(6)} s`;
  const rerun = `${suite.cwd ? `cd ${suite.cwd} && ` : ''}${suite.command.join(' ')}`;
  const why = note ?? (result === 'failed' ? `rerun: ${rerun}` : '');
  console.log(why ? `${line}  (${why})` : line);
}
for (const suite of suites.slice(outcomes.length))
  console.log(`  ${suite.name.padEnd(width)}  NOT RUN`);
const total = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  interrupted
    ? `[tests] interrupted after ${total} s`
    : `[tests] ${failed.length ? `${failed.length} of ${outcomes.length} suites failed` : `${outcomes.length} suite${outcomes.length > 1 ? 's' : ''} passed`} in ${total} s`,
);
process.exit(interrupted ? 130 : failed.length ? 1 : 0);
