import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonEnvDir } from '../../src/workers/python-env.js';
import { PYTHON_REQUIREMENTS_FILE } from '../../src/workers/python-worker.js';

/**
 * The interpreter with papermill for tests: `SLIPWAY_TEST_PYTHON`, else the venv that
 * `npm test` makes first (scripts/ensure-python.ts; the same folder, found the same way — as
 * root, from a Python the workers' user can run). Undefined when neither exists.
 */
export async function testPython(): Promise<string | undefined> {
  if (process.env.SLIPWAY_TEST_PYTHON) return process.env.SLIPWAY_TEST_PYTHON;
  const venvRoot = fileURLToPath(new URL('../../../.venv-worker', import.meta.url));
  const python = join(pythonEnvDir(venvRoot, PYTHON_REQUIREMENTS_FILE), 'bin', 'python');
  try {
    await access(python);
    return python;
  } catch {
    return undefined;
  }
}
