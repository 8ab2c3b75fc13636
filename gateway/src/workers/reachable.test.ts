import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inheritedWorkerEnv } from '../config.js';
import { basePythonFor } from './python-env.js';
import { accessProblem, OTHER_USERS, whichCommand } from './reachable.js';

describe('what another user can reach', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-reach-'));
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'open'), { mode: 0o755 });
    await mkdir(join(dir, 'closed'), { mode: 0o700 });
    await chmod(join(dir, 'closed'), 0o700);
    await writeFile(join(dir, 'open', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(dir, 'open', 'private'), 'x', { mode: 0o600 });
    await writeFile(join(dir, 'closed', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    await symlink(join(dir, 'closed', 'tool'), join(dir, 'open', 'link'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the closed folder on the way, the file itself, or nothing', () => {
    expect(accessProblem(join(dir, 'open', 'tool'), OTHER_USERS, true)).toBeUndefined();
    expect(accessProblem(join(dir, 'open'), OTHER_USERS)).toBeUndefined();
    expect(accessProblem(join(dir, 'closed', 'tool'), OTHER_USERS, true)).toMatch(
      new RegExp(`^${dir}/closed is mode 0700`),
    );
    expect(accessProblem(join(dir, 'open', 'private'), OTHER_USERS)).toMatch(/is mode 0600/);
    // Through a symlink: where it leads must be reachable too.
    expect(accessProblem(join(dir, 'open', 'link'), OTHER_USERS, true)).toMatch(
      /closed is mode 0700/,
    );
    // Nothing there: the start itself fails and says so.
    expect(accessProblem(join(dir, 'absent'), OTHER_USERS)).toBeUndefined();
  });

  it("checks the owner's bits for the owner", () => {
    const owner = { user: 'me', uid: process.getuid?.() ?? 0, gid: -1 };
    expect(accessProblem(join(dir, 'closed', 'tool'), owner, true)).toBeUndefined();
  });

  it('finds a command on a search path', () => {
    expect(whichCommand('tool', `/nonexistent:${join(dir, 'open')}`)).toBe(
      join(dir, 'open', 'tool'),
    );
    expect(whichCommand('/bin/sh', '')).toBe('/bin/sh');
    expect(whichCommand('absent-tool', join(dir, 'open'))).toBeUndefined();
  });

  it.runIf(process.getuid?.() === 0)(
    'as root, makes managed venvs from a python3 other users can run, when there is one',
    () => {
      const base = basePythonFor();
      const found = whichCommand(base.python, inheritedWorkerEnv().worker.PATH);
      const sharedOk = ['/usr/bin/python3', '/usr/local/bin/python3'].some(
        (p) => existsSync(p) && accessProblem(p, OTHER_USERS, true) === undefined,
      );
      if (base.keyed) expect(accessProblem(base.python, OTHER_USERS, true)).toBeUndefined();
      // Kept as it is: python3 on the PATH is fine, or there is no shared one to use instead.
      else if (found) expect(!accessProblem(found, OTHER_USERS, true) || !sharedOk).toBe(true);
      // A named base is never replaced.
      expect(basePythonFor('/opt/python/bin/python3')).toEqual({
        python: '/opt/python/bin/python3',
        keyed: false,
      });
    },
  );
});
