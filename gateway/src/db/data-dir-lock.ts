import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The file naming the process that holds an embedded database's data dir: beside it, not in it
 * (a file in an empty data dir would be in the way of the database's creation).
 */
export const lockFileOf = (dataDir: string) => `${dataDir.replace(/\/+$/, '')}.lock`;

/** The process holding the data dir is still there after the wait. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the database in ${dataDir} is in use by process ${pid}: stop the gateway that runs it, or point this one at another data dir`,
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * Takes the data dir for this process: two PGlite instances on one directory would corrupt it.
 * A holder still running (a gateway killed a moment ago whose database is still closing) is
 * waited for up to `waitMs`; a holder that is gone left a stale file, which is taken over.
 * Resolves to the release function.
 */
export async function holdDataDir(dataDir: string, waitMs = 30_000): Promise<() => Promise<void>> {
  const file = lockFileOf(dataDir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = await dataDirHolder(dataDir);
    if (pid === undefined) {
      // A stale file: its holder is gone.
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new DataDirInUseError(dataDir, pid);
    await sleep(50);
  }
}

/** The process that holds `dataDir` now; undefined when none does (no lock, or a stale one). */
export async function dataDirHolder(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(lockFileOf(dataDir), 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && (await holding(pid)) ? pid : undefined;
}

/** What the command line of the process holding a data dir names: its script. */
export const HOLDER_SCRIPT = 'embedded-database-process';

/**
 * Whether process `pid` still holds a data dir: it runs, and — where /proc tells — its command
 * line runs the database process's script. A pid file outlives its process; after a container's
 * restart its number may well belong to another process, this one included. (The script, not
 * the dir: two gateways may spell the same dir differently.)
 */
async function holding(pid: number): Promise<boolean> {
  if (pid === process.pid || !running(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || cmdline.includes(HOLDER_SCRIPT);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
