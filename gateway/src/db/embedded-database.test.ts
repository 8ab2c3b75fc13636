import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from './client.js';
import { startEmbeddedDatabase } from './embedded-database.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-embedded-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the embedded database', () => {
  it('runs in a process of its own, keeps its data across a close, and ends with its gateway', async () => {
    const dataDir = join(dir, 'db');
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    await first.db.execute(sql`create table kept (v text)`);
    await first.db.execute(sql`insert into kept values ('before the close')`);
    await first.close();

    const second = await openDatabase({ dataDir });
    const rows = rowsOf<{ v: string }>(await second.db.execute(sql`select v from kept`));
    expect(rows).toEqual([{ v: 'before the close' }]);
    // The migrations ran once: the second open found them applied.
    const applied = rowsOf<{ n: number }>(
      await second.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
    );
    expect(applied[0]!.n).toBeGreaterThan(0);
    // Its buffer pool is the small one it is opened with, not PGlite's 160 MB.
    const pool = rowsOf<{ shared_buffers: string }>(
      await second.db.execute(sql`show shared_buffers`),
    );
    expect(pool[0]!.shared_buffers).toBe('16MB');
    await second.close();
  });

  it('tries a failed restart again, waiting longer each time, until the database starts', async () => {
    const dataDir = join(dir, 'db');
    const reasons: string[] = [];
    const restarts: Promise<void>[] = [];
    const embedded = await startEmbeddedDatabase(dataDir, {
      onRestart: (reason, done) => {
        reasons.push(reason);
        restarts.push(done);
      },
    });
    const client = postgres({ path: embedded.socketPath, max: 1, onnotice: () => {} });
    try {
      await client`create table kept (v text)`;
      await client`insert into kept values ('before the crash')`;
      // The data dir goes away and a file takes its place: the process can start nowhere.
      await rename(dataDir, `${dataDir}.away`);
      await writeFile(dataDir, 'not a data dir');
      process.kill(embedded.pid, 'SIGKILL');
      while (reasons.length < 3) await new Promise((r) => setTimeout(r, 20));
      expect(reasons.slice(0, 3)).toEqual([
        `the embedded database's process ended (SIGKILL)`,
        "the embedded database's process did not start",
        "the embedded database's process did not start",
      ]);
      await expect(restarts[0]).rejects.toThrow();
      // The dir comes back: a later try starts the database on it.
      await rm(dataDir);
      await rename(`${dataDir}.away`, dataDir);
      for (let i = 0; ; i++) {
        while (restarts.length <= i) await new Promise((r) => setTimeout(r, 20));
        if (
          await restarts[i]!.then(
            () => true,
            () => false,
          )
        )
          break;
      }
      expect(await client`select v from kept`).toEqual([{ v: 'before the crash' }]);
    } finally {
      await client.end({ timeout: 1 });
      await embedded.stop();
    }
    expect(alive(embedded.pid)).toBe(false);
  });

  it('is started again when its process dies, and answers again', async () => {
    const dataDir = join(dir, 'db');
    let restarted: Promise<void> | undefined;
    const reasons: string[] = [];
    const embedded = await startEmbeddedDatabase(dataDir, {
      onRestart: (reason, done) => {
        reasons.push(reason);
        restarted = done;
      },
    });
    const client = postgres({ path: embedded.socketPath, max: 1, onnotice: () => {} });
    try {
      expect(await client`select 1 as one`).toEqual([{ one: 1 }]);
      const before = embedded.pid;
      const gone = new Promise<void>((resolve) => {
        const check = () => (alive(before) ? setImmediate(check) : resolve());
        check();
      });
      process.kill(before, 'SIGKILL');
      await gone;
      // The restart is under way once the old process's exit is seen.
      while (!restarted) await new Promise((r) => setImmediate(r));
      await restarted;
      expect(reasons).toEqual([`the embedded database's process ended (SIGKILL)`]);
      expect(embedded.pid).not.toBe(before);
      expect(await client`select 2 as two`).toEqual([{ two: 2 }]);
    } finally {
      await client.end({ timeout: 1 });
      await embedded.stop();
    }
    expect(alive(embedded.pid)).toBe(false);
  });

  it('closes when its gateway is killed -9, so that the next gateway opens the same data', async () => {
    const dataDir = join(dir, 'db');
    const script = `
      import { openDatabase } from ${JSON.stringify(fileURLToPath(new URL('./client.ts', import.meta.url)))};
      import { sql } from 'drizzle-orm';
      const d = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
      await d.db.execute(sql\`create table kept (v text)\`);
      await d.db.execute(sql\`insert into kept values ('written before the kill')\`);
      process.stdout.write('written\\n');
      setInterval(() => {}, 1000);
    `;
    const gateway = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      gateway.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('written')) resolve();
      });
      gateway.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
    });
    gateway.kill('SIGKILL');
    await once(gateway, 'exit');
    // The next open waits for the old database process to close, then finds the row.
    const next = await openDatabase({ dataDir });
    const rows = rowsOf<{ v: string }>(await next.db.execute(sql`select v from kept`));
    expect(rows).toEqual([{ v: 'written before the kill' }]);
    await next.close();
  });
});
