import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonEnv, pythonEnvDir } from './python-env.js';

describe('ensurePythonEnv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-pyenv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses SLIPWAY_PYTHON as it is, touching nothing', async () => {
    const venvRoot = join(dir, 'never-made');
    const python = await ensurePythonEnv({
      configured: '/opt/python/bin/python3',
      venvRoot,
      requirementsFile: '/nonexistent',
    });
    expect(python).toBe('/opt/python/bin/python3');
    await expect(stat(venvRoot)).rejects.toThrow();
  });

  it('keys the venv folder by the content of the requirements file', async () => {
    const req = join(dir, 'keyed.txt');
    await writeFile(req, 'papermill\n');
    const a = pythonEnvDir('/root/envs', req);
    expect(a).toMatch(/^\/root\/envs\/venv-[0-9a-f]{12}$/);
    await writeFile(req, 'papermill\n');
    expect(pythonEnvDir('/root/envs', req)).toBe(a);
    await writeFile(req, 'papermill\nnbclient\n');
    expect(pythonEnvDir('/root/envs', req)).not.toBe(a);
  });

  it('says how to fix a missing base Python', async () => {
    const req = join(dir, 'nobase.txt');
    await writeFile(req, '');
    await expect(
      ensurePythonEnv({
        venvRoot: join(dir, 'nobase'),
        requirementsFile: req,
        basePython: '/nonexistent/python3',
      }),
    ).rejects.toThrow(/SLIPWAY_PYTHON/);
  });
});
