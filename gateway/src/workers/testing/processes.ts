import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process ids whose command line contains `text`, read from /proc (Linux). Tests use it to
 * prove that kernels and their children are gone: a worker's kernels all carry its private
 * folder in their command line (their connection file lives there).
 */
export function processesMatching(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = /\) (\w)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      // A zombie has exited; only its parent's bookkeeping is left.
      if (state !== 'Z' && cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // it exited while we looked
    }
  }
  return pids;
}

/** True while `pid` runs (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /\) (\w)/.exec(stat)?.[1] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Polls `probe` until it returns true; fails naming `what` after `timeoutMs`. The limit only
 * bounds a wait for something that never happens: keep it generous (a busy machine is slow).
 */
export async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `waitFor` for a state read from somewhere (a cluster, an API): polls `read` until `done` holds
 * and answers that value; past `timeoutMs`, the error shows the last value read.
 */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  let last: T | undefined;
  try {
    await waitFor(what, async () => done((last = await read())), timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
  }
  return last as T;
}
