// The managed venv's life cycle with a real python3 (no packages installed): in the full tier
// only (gateway/vitest.config.ts lists it), as it needs Python.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonEnv, pythonEnvDir } from './python-env.js';
import { waitFor } from './testing/processes.js';

/** Bounds real work (venvs made with pip) on a busy machine; not a measure of speed. */
const VENV_WORK_MS = 300_000;

function hasPythonWithVenv(): boolean {
  try {
    execFileSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasPythonWithVenv())('ensurePythonEnv with python3 and its venv module', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-pyenv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'builds the venv once on first need, reuses it, and builds a new one when the requirements change',
    async () => {
      const venvRoot = join(dir, 'envs');
      const req = join(dir, 'requirements.txt');
      // No packages: what is tested is the venv life cycle, not pip's download speed.
      await writeFile(req, '# nothing\n');
      const logs: string[] = [];
      const log = (l: string) => logs.push(l);
      // Two callers at once: one build.
      const [p1, p2] = await Promise.all([
        ensurePythonEnv({ venvRoot, requirementsFile: req, log }),
        ensurePythonEnv({ venvRoot, requirementsFile: req, log }),
      ]);
      expect(p1).toBe(p2);
      expect(p1).toBe(join(pythonEnvDir(venvRoot, req), 'bin', 'python'));
      expect(
        execFileSync(p1, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).trim(),
      ).toBe(pythonEnvDir(venvRoot, req));
      expect(logs.filter((l) => l.includes('creating the Python environment'))).toHaveLength(1);
      expect(logs.some((l) => l.includes('Python environment ready'))).toBe(true);

      logs.length = 0;
      expect(await ensurePythonEnv({ venvRoot, requirementsFile: req, log })).toBe(p1);
      expect(logs).toEqual([]);

      await writeFile(req, '# nothing, changed\n');
      const p3 = await ensurePythonEnv({ venvRoot, requirementsFile: req, log });
      expect(p3).not.toBe(p1);
      expect((await readdir(venvRoot)).filter((n) => n.startsWith('venv-')).sort()).toHaveLength(2);
    },
    VENV_WORK_MS,
  );

  it(
    "sends pip's output to `output` and keeps `log` to one line per step",
    async () => {
      const venvRoot = join(dir, 'routed');
      const req = join(dir, 'routed.txt');
      // A requirement pip cannot find: it prints why, on its own output, and fails.
      await writeFile(req, `${join(dir, 'no-such-package-folder')}\n`);
      const logs: string[] = [];
      const output: string[] = [];
      await expect(
        ensurePythonEnv({
          venvRoot,
          requirementsFile: req,
          log: (l) => logs.push(l),
          output: (l) => output.push(l),
        }),
      ).rejects.toThrow(/pip install .* exited with code/);
      expect(logs.every((l) => l.startsWith('[slipway] '))).toBe(true);
      expect(logs.some((l) => l.includes('creating the Python environment'))).toBe(true);
      expect(logs.some((l) => l.includes('installing'))).toBe(true);
      // pip's own words (its "ERROR: …" line) reach `output` only.
      expect(output.join('\n')).toMatch(/ERROR/);
      expect(logs.join('\n')).not.toMatch(/ERROR/);
      expect(logs).toHaveLength(2);
    },
    VENV_WORK_MS,
  );

  it(
    'waits while another process holds the build lock',
    async () => {
      const venvRoot = join(dir, 'locked');
      const req = join(dir, 'locked.txt');
      await writeFile(req, '# locked\n');
      const lock = `${pythonEnvDir(venvRoot, req)}.lock`;
      await mkdir(lock, { recursive: true });
      const logs: string[] = [];
      const building = ensurePythonEnv({
        venvRoot,
        requirementsFile: req,
        log: (l) => logs.push(l),
      });
      await waitFor('the build to wait for the lock', () =>
        logs.some((l) => l.includes('waiting for another process')),
      );
      expect(logs.some((l) => l.includes('creating'))).toBe(false);
      await rm(lock, { recursive: true });
      await expect(building).resolves.toBe(join(pythonEnvDir(venvRoot, req), 'bin', 'python'));
      await expect(stat(lock)).rejects.toThrow();
    },
    VENV_WORK_MS,
  );
});
