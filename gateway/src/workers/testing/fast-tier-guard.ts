// Set-up file of the gateway's fast tier (`vitest run --mode fast`; see vitest.config.ts). The
// fast tier has Node and nothing else, and starts no whole gateway process (seconds of start-up
// each): a test there that starts Python, Java, Chromium, a PostgreSQL program or the gateway's
// entry point is refused, and the refusal is also thrown out of band, where no try/catch
// reaches it, so the run fails even when the test caught it (as "is Python here?" probes do,
// before skipping). A misfiled test fails; it never silently skips.
import childProcess from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

/** Programs the fast tier does not have, by file name, and what needing them means. */
const NOT_IN_FAST_TIER: [RegExp, string][] = [
  [/^python(\d+(\.\d+)*)?$/, 'Python'],
  [/^(java|javac|mvn|mvnw)$/, 'Java'],
  [/^(chromium|chromium-browser|google-chrome|chrome|headless_shell)$/, 'Chromium'],
  [/^(postgres|psql|pg_ctl|pg_ctlcluster|initdb|pg_isready)$/, 'PostgreSQL'],
];
const LAUNCHERS = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync'] as const;

interface GuardState {
  /** Whether the current test file was refused something already (reported once per file). */
  refused: boolean;
}
const STATE = Symbol.for('slipway.fastTierGuard');
const global = globalThis as { [STATE]?: GuardState };

/** Programs that start another named among their arguments (`runuser -u postgres -- initdb`). */
const WRAPPERS = /^(runuser|su|sudo|env|nice|nohup|timeout|setsid|stdbuf|sh|bash|dash)$/;
const firstWord = (line: string) => line.trim().split(/\s+/)[0] ?? '';

/**
 * The programs a launcher call starts: `exec` takes a shell line, the others a file and its
 * arguments; through a wrapper, also the first word of each argument.
 */
function programsOf(launcher: string, command: unknown, rest: unknown[]): string[] {
  if (typeof command !== 'string') return [];
  const args = Array.isArray(rest[0]) ? rest[0].filter((a) => typeof a === 'string') : [];
  const options = rest.find((a) => a && typeof a === 'object' && !Array.isArray(a)) as
    { shell?: unknown } | undefined;
  const shellLine = launcher === 'exec' || launcher === 'execSync' || Boolean(options?.shell);
  const program = shellLine ? firstWord(command) : command;
  return WRAPPERS.test(basename(program)) ? [program, ...args.map(firstWord)] : [program];
}

function locate(program: string): string | undefined {
  if (program.includes('/')) return existsSync(program) ? resolve(program) : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, program);
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}

/** What starting `program` would need that the fast tier lacks; undefined when nothing. */
export function fastTierLack(program: string): string | undefined {
  const lack = NOT_IN_FAST_TIER.find(([name]) => name.test(basename(program)))?.[1];
  if (!lack) return undefined;
  // vitest.config.ts points SLIPWAY_TEST_PYTHON here, so Python suites run into the guard.
  if (program === process.env.SLIPWAY_TEST_PYTHON) return lack;
  const path = locate(program);
  // A program that is not there (a test of "not installed") needs nothing, nor does a stand-in
  // script a test wrote into a temporary folder; a venv made there still resolves to Python.
  if (!path || realpathSync(path).startsWith(realpathSync(tmpdir()) + sep)) return undefined;
  return lack;
}

/** The gateway's entry point, as test/support/gateway-process.ts starts it. */
const GATEWAY_ENTRY = /(^|\/)(src\/index\.ts|dist\/index\.js)$/;

type Launcher = (...args: unknown[]) => unknown;

function install(): GuardState {
  const state: GuardState = { refused: false };
  /** The error for a call that needs what the fast tier lacks; undefined for any other. */
  const refusal = (launcher: string, args: unknown[]): Error | undefined => {
    const argv = Array.isArray(args[1]) ? args[1] : [];
    const lack =
      programsOf(launcher, args[0], args.slice(1)).map(fastTierLack).find(Boolean) ??
      (argv.some((a) => typeof a === 'string' && GATEWAY_ENTRY.test(a))
        ? 'gateway processes'
        : undefined);
    if (!lack) return undefined;
    const line = [args[0], ...argv].join(' ').slice(0, 200);
    const error = new Error(
      `the fast tier has no ${lack}: refused to run \`${line}\`. A test file that needs ` +
        `${lack} belongs in SLOW_TEST_FILES in gateway/vitest.config.ts (npm test runs it).`,
    );
    if (!state.refused) {
      state.refused = true;
      // Vitest reports an uncaught error against the file and fails the run.
      process.nextTick(() => {
        throw error;
      });
    }
    return error;
  };
  const guard = (launcher: string, original: Launcher, promised = false): Launcher =>
    function guarded(this: unknown, ...args: unknown[]) {
      const error = refusal(launcher, args);
      if (error && promised) return Promise.reject(error);
      if (error) throw error;
      return original.apply(this, args);
    };
  const launchers = childProcess as unknown as Record<string, Launcher>;
  for (const launcher of LAUNCHERS) {
    const original = launchers[launcher]!;
    const guarded = guard(launcher, original);
    // `promisify(execFile)` resolves with { stdout, stderr } through its own version.
    const custom = (original as unknown as Record<symbol, Launcher | undefined>)[promisify.custom];
    if (custom)
      Object.defineProperty(guarded, promisify.custom, { value: guard(launcher, custom, true) });
    launchers[launcher] = guarded;
  }
  // Named imports of node:child_process (`import { spawn }`) see the guarded functions too.
  syncBuiltinESMExports();
  return state;
}

(global[STATE] ??= install()).refused = false;
