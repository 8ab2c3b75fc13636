import { access } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PYTHON_WORKER_DIR } from '../../src/workers/python-worker.js';

/**
 * The interpreter with papermill for tests: `SLIPWAY_TEST_PYTHON`, else the venv that
 * `npm test` makes first (scripts/ensure-python.ts). Undefined when neither exists.
 */
export async function testPython(): Promise<string | undefined> {
  if (process.env.SLIPWAY_TEST_PYTHON) return process.env.SLIPWAY_TEST_PYTHON;
  const key = createHash('sha256')
    .update(readFileSync(`${PYTHON_WORKER_DIR}/requirements.txt`))
    .digest('hex')
    .slice(0, 12);
  const python = fileURLToPath(
    new URL(`../../../.venv-worker/venv-${key}/bin/python`, import.meta.url),
  );
  try {
    await access(python);
    return python;
  } catch {
    return undefined;
  }
}
