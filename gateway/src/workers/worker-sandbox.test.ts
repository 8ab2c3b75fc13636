import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAdminToken } from '../auth/admin-token.js';
import { pickWorkerEnv } from './worker-env.js';
import { resolveWorkerIdentity, WorkerSandbox } from './worker-sandbox.js';
import { waitFor } from './testing/processes.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'alice:x:1000:1000::/home/alice:/bin/bash',
].join('\n');
const WITH_DEDICATED = `${PASSWD}\nslipway-worker:x:990:990::/nonexistent:/usr/sbin/nologin`;

describe('who workers run as', () => {
  it('as root: slipway-worker when it exists, else nobody', () => {
    expect(resolveWorkerIdentity(undefined, { uid: 0 }, PASSWD)).toEqual({
      user: 'nobody',
      uid: 65534,
      gid: 65534,
    });
    expect(resolveWorkerIdentity(undefined, { uid: 0 }, WITH_DEDICATED)).toEqual({
      user: 'slipway-worker',
      uid: 990,
      gid: 990,
    });
  });

  it('as root: the user SLIPWAY_WORKER_USER names, by name or uid:gid; root itself means no switch', () => {
    expect(resolveWorkerIdentity('alice', { uid: 0 }, PASSWD)).toEqual({
      user: 'alice',
      uid: 1000,
      gid: 1000,
    });
    expect(resolveWorkerIdentity('2000:3000', { uid: 0 }, PASSWD)).toEqual({
      user: 'uid 2000',
      uid: 2000,
      gid: 3000,
    });
    expect(resolveWorkerIdentity('1000:50', { uid: 0 }, PASSWD)).toEqual({
      user: 'alice',
      uid: 1000,
      gid: 50,
    });
    expect(resolveWorkerIdentity('root', { uid: 0 }, PASSWD)).toBeUndefined();
    expect(() => resolveWorkerIdentity('bob', { uid: 0 }, PASSWD)).toThrow(
      /SLIPWAY_WORKER_USER=bob: no such user/,
    );
  });

  it('as another user: no switch, and asking for one is an error saying why', () => {
    expect(resolveWorkerIdentity(undefined, { uid: 1000 }, PASSWD)).toBeUndefined();
    expect(resolveWorkerIdentity('alice', { uid: 1000 }, PASSWD)).toBeUndefined();
    expect(() => resolveWorkerIdentity('nobody', { uid: 1000 }, PASSWD)).toThrow(
      /needs the gateway to run as root/,
    );
  });
});

const asRoot = process.getuid?.() === 0;

describe.runIf(asRoot)('the worker sandbox, as root', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function dataDirWithEverything(): Promise<string> {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-sandbox-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await resolveAdminToken(dataDir);
    await mkdir(join(dataDir, 'db'), { mode: 0o755 });
    await writeFile(join(dataDir, 'db', 'PG_VERSION'), '17\n', { mode: 0o644 });
    await mkdir(join(dataDir, 'journal'), { mode: 0o755 });
    await mkdir(join(dataDir, 'artifacts'), { mode: 0o755 });
    await writeFile(join(dataDir, 'artifacts', 'a'.repeat(64)), 'model', { mode: 0o600 });
    return dataDir;
  }

  async function sandboxFor(dataDir: string): Promise<WorkerSandbox> {
    const sandbox = new WorkerSandbox({ env: pickWorkerEnv({ PATH: '/usr/bin:/bin' }) });
    await sandbox.init(dataDir);
    cleanups.push(() => sandbox.close());
    return sandbox;
  }

  const modeOf = (path: string) => statSync(path).mode & 0o7777;

  it('closes the admin token, the database and the journal to workers, and opens what they need', async () => {
    const dataDir = await dataDirWithEverything();
    const sandbox = await sandboxFor(dataDir);
    const who = sandbox.identity!;
    expect(who.uid).not.toBe(0);
    expect(modeOf(dataDir)).toBe(0o711);
    expect(modeOf(join(dataDir, 'admin-token'))).toBe(0o600);
    expect(modeOf(join(dataDir, 'db'))).toBe(0o700);
    expect(modeOf(join(dataDir, 'journal'))).toBe(0o700);
    const artifacts = join(dataDir, 'artifacts');
    expect(modeOf(artifacts)).toBe(0o2710);
    expect(statSync(artifacts).gid).toBe(who.gid);
    expect(modeOf(join(artifacts, 'a'.repeat(64)))).toBe(0o640);
    expect(statSync(join(artifacts, 'a'.repeat(64))).gid).toBe(who.gid);
    const runs = join(dataDir, 'runs');
    expect(statSync(runs).uid).toBe(who.uid);
    expect(modeOf(runs)).toBe(0o700);
    expect(modeOf(join(dataDir, 'python', 'models'))).toBe(0o755);
  });

  it('starts a worker as the worker user, in a scratch folder of its own that goes with it', async () => {
    const sandbox = await sandboxFor(await dataDirWithEverything());
    const child = sandbox.spawn({
      command: process.execPath,
      args: [
        '-e',
        'process.stdout.write(JSON.stringify({uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), home: process.env.HOME, tmp: process.env.TMPDIR, cwd: process.cwd()}))',
      ],
    });
    child.stdin.end();
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('close', resolve));
    const seen = JSON.parse(out) as Record<string, unknown>;
    const who = sandbox.identity!;
    expect(seen).toMatchObject({ uid: who.uid, gid: who.gid, groups: [who.gid] });
    expect(seen.home).toBe(seen.tmp);
    expect(seen.cwd).toBe(seen.home);
    // The bound only turns a hang into a failure.
    await waitFor(
      'the scratch folder to be removed',
      () => !existsSync(seen.home as string),
      60_000,
    );
  });

  it('refuses to start a command the worker user cannot reach, saying which folder is closed', async () => {
    const sandbox = await sandboxFor(await dataDirWithEverything());
    const closed = await mkdtemp(join(tmpdir(), 'slipway-closed-'));
    cleanups.push(() => rm(closed, { recursive: true, force: true }));
    await chmod(closed, 0o700);
    const script = join(closed, 'worker.sh');
    await writeFile(script, '#!/bin/sh\n', { mode: 0o755 });
    expect(() => sandbox.spawn({ command: script, args: [] })).toThrow(
      new RegExp(`who cannot use ${script}: ${closed} is mode 0700`),
    );
  });

  it('refuses a data dir the worker user cannot reach', async () => {
    const closed = await mkdtemp(join(tmpdir(), 'slipway-closed-'));
    cleanups.push(() => rm(closed, { recursive: true, force: true }));
    await chmod(closed, 0o700);
    const sandbox = new WorkerSandbox({ env: pickWorkerEnv({}) });
    await expect(sandbox.init(join(closed, 'data'))).rejects.toThrow(
      new RegExp(`cannot reach the data dir ${closed}/data: ${closed} is mode 0700`),
    );
  });
});
