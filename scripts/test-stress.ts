// `npm run test:stress`: the whole `npm test` several times in a row beside a CPU hog that keeps
// every core busy, to catch the tests that pass only on an idle machine. It stops at the first
// failing run (exit 1) unless told --keep-going, which runs them all and fails at the end.
//   --runs N       runs of the suite (default 3)
//   --hog N        busy processes beside it (default: one per core)
//   --fast         stress `npm run test:fast` instead (minutes rather than an hour)
//   --keep-going   run every time, then report how many failed
// The hog is stress-ng (Debian: apt-get install stress-ng), else busy Node processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    hog: { type: 'string', default: String(availableParallelism()) },
    fast: { type: 'boolean', default: false },
    'keep-going': { type: 'boolean', default: false },
  },
});
const runs = Number(options.runs);
const hogs = Number(options.hog);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(hogs) || hogs < 0) {
  console.error('[stress] --runs needs a whole number above 0, --hog one of 0 or more');
  process.exit(2);
}
const say = (line: string) => console.log(`[stress] ${line}`);
const suite = options.fast ? ['npm', 'run', 'test:fast'] : ['npm', 'test'];

/** Starts the hog: stress-ng when installed, else `count` Node processes spinning. */
function startHog(count: number): { what: string; stop: () => void } {
  if (count === 0) return { what: 'no CPU hog', stop: () => {} };
  const hogs: ChildProcess[] = [];
  let what: string;
  if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status === 0) {
    what = `stress-ng --cpu ${count}`;
    hogs.push(spawn('stress-ng', ['--cpu', String(count), '--quiet'], { stdio: 'ignore' }));
  } else {
    what = `${count} busy Node processes (stress-ng is not installed)`;
    for (let i = 0; i < count; i++)
      hogs.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  }
  return { what, stop: () => hogs.forEach((h) => h.kill('SIGTERM')) };
}

function runSuite(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(suite[0]!, suite.slice(1), { cwd: root, stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

const hog = startHog(hogs);
// A Ctrl-C reaches the hog too (one process group); a SIGTERM to this script alone must not
// leave it spinning.
process.on('exit', () => hog.stop());
process.on('SIGTERM', () => process.exit(143));
process.on('SIGINT', () => process.exit(130));

say(`${suite.join(' ')}, ${runs} time${runs > 1 ? 's' : ''}, beside ${hog.what}`);
const results: { ok: boolean; seconds: number }[] = [];
const started = performance.now();
for (let i = 1; i <= runs; i++) {
  say(`run ${i} of ${runs}`);
  const t0 = performance.now();
  const code = await runSuite();
  const seconds = (performance.now() - t0) / 1000;
  results.push({ ok: code === 0, seconds });
  say(
    `run ${i} of ${runs}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(0)} s`,
  );
  if (code !== 0 && !options['keep-going']) break;
}
hog.stop();

const failed = results.filter((r) => !r.ok).length;
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
say('summary:');
results.forEach((r, i) =>
  say(`  run ${i + 1}  ${r.ok ? 'passed' : 'FAILED'}  ${r.seconds.toFixed(0).padStart(5)} s`),
);
if (results.length < runs)
  say(`  runs ${results.length + 1}–${runs} not run: stopped at the first failure`);
say(
  `${results.length - failed} of ${runs} runs passed beside ${hog.what}, in ${minutes} min` +
    (failed ? '; the failing run printed its suites above' : ''),
);
process.exit(failed ? 1 : 0);
