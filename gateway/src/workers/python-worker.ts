import { fileURLToPath } from 'node:url';
import { ensurePythonEnv, type PythonEnvOptions } from './python-env.js';
import { WorkerSupervisor } from './worker-supervisor.js';

/** The folder holding the `slipway_worker` Python package and its requirements. */
export const PYTHON_WORKER_DIR = fileURLToPath(new URL('../../workers/python', import.meta.url));

/** A supervisor for the Python worker (`python -m slipway_worker`), its environment made on first need. */
export function pythonWorker(
  opts: Omit<PythonEnvOptions, 'requirementsFile'> & { requirementsFile?: string },
): WorkerSupervisor {
  return new WorkerSupervisor({
    name: 'python',
    log: opts.log,
    command: async () => ({
      command: await ensurePythonEnv({
        ...opts,
        requirementsFile: opts.requirementsFile ?? `${PYTHON_WORKER_DIR}/requirements.txt`,
      }),
      args: ['-m', 'slipway_worker'],
      cwd: PYTHON_WORKER_DIR,
      env: { PYTHONUNBUFFERED: '1', PYTHONPATH: PYTHON_WORKER_DIR },
    }),
  });
}
