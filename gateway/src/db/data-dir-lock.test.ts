import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, HOLDER_SCRIPT, holdDataDir, lockFileOf } from './data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('holdDataDir', () => {
  it('holds the data dir for one process, and lets go on release', async () => {
    const dataDir = join(dir, 'db');
    const release = await holdDataDir(dataDir);
    expect((await readFile(lockFileOf(dataDir), 'utf8')).trim()).toBe(String(process.pid));
    await release();
    await expect(readFile(lockFileOf(dataDir))).rejects.toThrow();
    await (
      await holdDataDir(dataDir, 0)
    )();
  });

  it('takes over the file of a process that runs but is not a database process (a pid reused)', async () => {
    const dataDir = join(dir, 'db');
    const other = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    await once(other, 'spawn');
    try {
      await writeFile(lockFileOf(dataDir), String(other.pid));
      await (
        await holdDataDir(dataDir, 0)
      )();
      // Nor does a file naming this very process hold it (it was written before a restart).
      await writeFile(lockFileOf(dataDir), String(process.pid));
      await (
        await holdDataDir(dataDir, 0)
      )();
    } finally {
      other.stdin!.end();
    }
  });

  it('takes over the file of a holder that is gone', async () => {
    const dataDir = join(dir, 'db');
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    await writeFile(lockFileOf(dataDir), String(gone.pid));
    const release = await holdDataDir(dataDir, 0);
    expect((await readFile(lockFileOf(dataDir), 'utf8')).trim()).toBe(String(process.pid));
    await release();
  });

  it('waits for a holder that is still running, and takes the dir once it ends', async () => {
    const dataDir = join(dir, 'db');
    // A holder that runs until this test lets it go (its standard input closes), named as the
    // database process's script is.
    const holder = spawn(process.execPath, ['-e', 'process.stdin.resume()', HOLDER_SCRIPT], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    await once(holder, 'spawn');
    await writeFile(lockFileOf(dataDir), String(holder.pid));
    let taken = false;
    const waiting = holdDataDir(dataDir).then((release) => {
      taken = true;
      return release;
    });
    const refused = holdDataDir(dataDir, 0);
    await expect(refused).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(refused).rejects.toThrow(`in use by process ${holder.pid}`);
    // The same dir, spelled otherwise, is held all the same.
    await expect(holdDataDir(`${dataDir}/`, 0)).rejects.toBeInstanceOf(DataDirInUseError);
    expect(taken).toBe(false);
    holder.stdin!.end();
    await (
      await waiting
    )();
    expect(taken).toBe(true);
  });
});
