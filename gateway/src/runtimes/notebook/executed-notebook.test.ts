import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExecutedNotebook } from './notebook-runtime.js';

/**
 * The runs folder belongs to the workers' user, who could plant a link there to make the
 * gateway read one of its own files (the admin token) and serve it as a run's notebook.
 */
describe('reading an executed notebook', () => {
  let dir: string;
  let runs: string;
  let secret: string;
  const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-runs-'));
    runs = join(dir, 'runs');
    await mkdir(runs);
    secret = join(dir, 'admin-token');
    await writeFile(secret, 'sa_the-admin-token\n', { mode: 0o600 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a notebook the worker wrote', async () => {
    await writeFile(join(runs, `${id(1)}.ipynb`), '{"cells": []}');
    expect(await readExecutedNotebook(runs, id(1))).toBe('{"cells": []}');
  });

  it('answers nothing for an unknown run or an id that is not one', async () => {
    expect(await readExecutedNotebook(runs, id(9))).toBeUndefined();
    expect(await readExecutedNotebook(runs, '../admin-token')).toBeUndefined();
  });

  it('never follows a symlink planted in the runs folder', async () => {
    await symlink(secret, join(runs, `${id(2)}.ipynb`));
    expect(await readExecutedNotebook(runs, id(2))).toBeUndefined();
  });

  it('never reads a file with a second hard link', async () => {
    await link(secret, join(runs, `${id(3)}.ipynb`));
    expect(await readExecutedNotebook(runs, id(3))).toBeUndefined();
  });

  it('does not block on a FIFO', async () => {
    execFileSync('mkfifo', [join(runs, `${id(4)}.ipynb`)]);
    expect(await readExecutedNotebook(runs, id(4))).toBeUndefined();
  });
});
