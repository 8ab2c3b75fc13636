// What `npm start` prints: one progress line per step on the console, everything the steps'
// commands print (pip, tsc, webpack) in a log file, whose end is shown when a step fails.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const PREFIX = '[slipway] ';

/** A line with exactly one `[slipway] ` prefix, however many it came with. */
export function progressLine(line: string): string {
  let text = line.trimStart();
  while (text.startsWith(PREFIX.trim())) text = text.slice(PREFIX.trim().length).trimStart();
  return `${PREFIX}${text}`;
}

/** The console for progress, the file for the whole story. */
export interface SetupLog {
  /** The log file (emptied when the log is created). */
  readonly file: string;
  /** A step's progress: printed (with one `[slipway] ` prefix) and logged. */
  progress(line: string): void;
  /** A command's output: logged only. */
  output(line: string): void;
  /** The last `count` lines of the log file. */
  tail(count: number): string[];
}

/** Starts a new log in `file`; progress lines go to `print` (the console) as well. */
export function createSetupLog(
  file: string,
  print: (line: string) => void = (line) => console.log(line),
): SetupLog {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
  const append = (line: string) => appendFileSync(file, `${line}\n`);
  return {
    file,
    progress(line) {
      const shown = progressLine(line);
      print(shown);
      append(shown);
    },
    output: append,
    tail(count) {
      return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count);
    },
  };
}

/** A command of a set-up step failed; the message ends with the log's last lines. */
export class SetupStepError extends Error {}

/**
 * Runs a command of a set-up step with its output in the log; rejects with a
 * `SetupStepError` naming the step, the log file and its last lines when it fails.
 */
export function runLogged(
  step: string,
  command: string,
  args: string[],
  log: SetupLog,
  options: { cwd?: string } = {},
): Promise<void> {
  log.output(`$ ${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = splitLines(log.output);
    child.stdout.on('data', lines.push);
    child.stderr.on('data', lines.push);
    // A command that cannot start reports 'error' and then 'close': settle on the first.
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      reject(new SetupStepError(failureMessage(step, why, log.file, log.tail(20))));
    };
    child.once('error', (err) => fail(`cannot run ${command}: ${err.message}`));
    child.once('close', (code, signal) => {
      lines.end();
      if (code !== 0) fail(`${command} exited with ${signal ?? `code ${code}`}`);
      else if (!settled) resolve();
    });
  });
}

/** What a failed step prints: the step, why, the log's last lines and where the rest is. */
export function failureMessage(step: string, why: string, file: string, tail: string[]): string {
  const shown = tail.map((l) => `  | ${l}`).join('\n');
  return `${step} failed: ${why}\n${shown}\n  full log: ${file}`;
}

/** Feeds chunks of output to `sink` line by line (a line may span chunks). */
export function splitLines(sink: (line: string) => void): {
  push: (chunk: Buffer | string) => void;
  end: () => void;
} {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split(/\r?\n/);
      rest = parts.pop() ?? '';
      for (const p of parts) sink(p);
    },
    end() {
      if (rest) sink(rest);
      rest = '';
    },
  };
}

/**
 * Which lines of JupyterLab's log belong on the console: warnings, errors and what follows
 * them (a traceback), not the info and debug records (`[I 2026-…`, `[D 2026-…`); every line
 * still goes to its log file. Keeps state: a line that starts no record goes with the last one.
 */
export function jupyterConsoleFilter(): (line: string) => boolean {
  let shown = true;
  return (line) => {
    const record = /^\[([A-Z])[ \]]/.exec(line);
    if (record) shown = record[1] !== 'I' && record[1] !== 'D';
    return shown;
  };
}
