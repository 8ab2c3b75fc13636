// Makes (or reuses) the Python environment the notebook tests and benchmarks use:
// `<repo>/.venv-worker/venv-<hash of requirements>`, printing its interpreter's path last.
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv } from '../src/workers/python-env.js';
import { PYTHON_WORKER_DIR } from '../src/workers/python-worker.js';

const python = await ensurePythonEnv({
  configured: process.env.SLIPWAY_TEST_PYTHON,
  venvRoot: fileURLToPath(new URL('../../.venv-worker', import.meta.url)),
  requirementsFile: `${PYTHON_WORKER_DIR}/requirements.txt`,
  log: (line) => console.error(line),
});
console.log(python);
