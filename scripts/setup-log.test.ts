// Point 15 of the first-run issue: `npm start` shows one line per set-up step and keeps what
// the steps' commands print (pip, tsc, webpack) in a log file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSetupLog,
  jupyterConsoleFilter,
  progressLine,
  runLogged,
  SetupStepError,
  splitLines,
} from './setup-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-setup-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('progressLine', () => {
  it('gives a line exactly one [slipway] prefix', () => {
    expect(progressLine('building the gateway')).toBe('[slipway] building the gateway');
    // python-env's lines carry the prefix already; start.ts used to add a second one.
    expect(progressLine('[slipway] installing jupyterlab')).toBe('[slipway] installing jupyterlab');
    expect(progressLine('[slipway] [slipway] ready')).toBe('[slipway] ready');
  });
});

describe('createSetupLog', () => {
  it('prints progress lines and keeps command output in the file only', () => {
    const printed: string[] = [];
    const log = createSetupLog(join(dir, 'logs', 'setup.log'), (l) => printed.push(l));
    log.progress('[slipway] creating the Python environment');
    for (let i = 0; i < 220; i++) log.output(`  Collecting package-${i}`);
    log.progress('Python environment ready');
    expect(printed).toEqual([
      '[slipway] creating the Python environment',
      '[slipway] Python environment ready',
    ]);
    const file = readFileSync(log.file, 'utf8').trimEnd().split('\n');
    expect(file).toHaveLength(222);
    expect(file[1]).toBe('  Collecting package-0');
    expect(log.tail(2)).toEqual(['  Collecting package-219', '[slipway] Python environment ready']);
  });

  it('starts each log empty', () => {
    const file = join(dir, 'setup.log');
    createSetupLog(file, () => {}).output('from the last start');
    const log = createSetupLog(file, () => {});
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(log.tail(5)).toEqual(['']);
  });
});

describe('runLogged', () => {
  it("sends a command's output, stdout and stderr, to the log and nothing to the console", async () => {
    const printed: string[] = [];
    const log = createSetupLog(join(dir, 'setup.log'), (l) => printed.push(l));
    const script = 'for (let i = 0; i < 50; i++) console.log("line " + i); console.error("warn")';
    await runLogged('a step', process.execPath, ['-e', script], log);
    expect(printed).toEqual([]);
    const lines = readFileSync(log.file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\$ .*node -e /);
    expect(lines).toContain('line 49');
    expect(lines).toContain('warn');
  });

  it('fails naming the step, the exit code, the last lines and the log file', async () => {
    const log = createSetupLog(join(dir, 'setup.log'), () => {});
    const script =
      'for (let i = 0; i < 40; i++) console.log("noise " + i); console.error("ERROR: No matching distribution found for nosuchpkg"); process.exit(3)';
    const failure = runLogged(
      'installing the Python packages',
      process.execPath,
      ['-e', script],
      log,
    );
    await expect(failure).rejects.toBeInstanceOf(SetupStepError);
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toMatch(/^installing the Python packages failed: .* exited with code 3/);
    expect(message).toContain('  | ERROR: No matching distribution found for nosuchpkg');
    expect(message).not.toContain('noise 0\n'); // only the end of the log
    expect(message).toContain(`full log: ${log.file}`);
  });

  it('fails clearly when the command cannot be started', async () => {
    const log = createSetupLog(join(dir, 'setup.log'), () => {});
    await expect(runLogged('a step', join(dir, 'no-such-program'), [], log)).rejects.toThrow(
      /a step failed: cannot run .*no-such-program/,
    );
  });
});

describe('splitLines', () => {
  it('joins a line split across chunks and keeps a last line without a newline', () => {
    const lines: string[] = [];
    const split = splitLines((l) => lines.push(l));
    split.push('Collecting num');
    split.push('py\r\nInstalling');
    split.push(' collected packages');
    split.end();
    expect(lines).toEqual(['Collecting numpy', 'Installing collected packages']);
  });
});

describe('jupyterConsoleFilter', () => {
  it('shows warnings, errors and their tracebacks, not info or debug records', () => {
    const show = jupyterConsoleFilter();
    const log = [
      '[I 2026-11-29 17:17:13.819 ServerApp] jupyter_lsp | extension was successfully linked.',
      '[I 2026-11-29 17:17:13.921 ServerApp] Jupyter Server 2.21.1 is running at:',
      '    http://127.0.0.1:8888/lab?token=...',
      '[W 2026-11-29 17:18:02.001 ServerApp] 404 GET /api/nothing (127.0.0.1) 1.2ms',
      '[E 2026-11-29 17:18:03.002 ServerApp] Uncaught exception',
      'Traceback (most recent call last):',
      '  File "x.py", line 1',
      '[D 2026-11-29 17:18:04.003 ServerApp] debug detail',
      '[C 2026-11-29 17:18:05.004 ServerApp] received signal 15, stopping',
    ];
    expect(log.filter(show)).toEqual([
      log[3],
      log[4],
      'Traceback (most recent call last):',
      '  File "x.py", line 1',
      log[8],
    ]);
  });
});
