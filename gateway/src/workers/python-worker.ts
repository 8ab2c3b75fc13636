import { fileURLToPath } from 'node:url';
import { ensurePythonEnv, type PythonEnvOptions } from './python-env.js';
import { WorkerSupervisor, type WorkerSupervisorOptions } from './worker-supervisor.js';

/** The folder holding the `slipway_worker` Python package and its requirements. */
export const PYTHON_WORKER_DIR = fileURLToPath(new URL('../../workers/python', import.meta.url));

/** The worker's requirements file (papermill, ipykernel, scikit-learn, …). */
export const PYTHON_REQUIREMENTS_FILE = `${PYTHON_WORKER_DIR}/requirements.txt`;

export interface PythonWorkerOptions
  extends
    Omit<PythonEnvOptions, 'requirementsFile'>,
    Pick<
      WorkerSupervisorOptions,
      | 'spawn'
      | 'startupTimeoutMs'
      | 'healthIntervalMs'
      | 'healthTimeoutMs'
      | 'idleStopMs'
      | 'stopGraceMs'
      | 'cancelGraceMs'
    > {
  /** Default: the worker's own requirements.txt. */
  requirementsFile?: string;
  /** Notebook runs the worker executes at once; more wait inside it. Default 8. */
  maxRuns?: number;
  /**
   * Address-space limit of the worker itself, in MiB (its kernels inherit it unless a run
   * sets theirs: `memoryMb` of `run_notebook`). Default: none.
   */
  memoryLimitMb?: number;
  /** How its kernels start: forked from a zygote (default), or each a new interpreter. */
  kernelStart?: 'fork' | 'exec';
  /** Variables of the worker (and so of its kernels), on top of the allow-listed ones. */
  env?: Record<string, string>;
}

/**
 * A supervisor for the Python worker (`python -m slipway_worker`). Nothing starts here: the
 * interpreter is found, or its venv built, when the first call needs the worker.
 */
export function pythonWorker(opts: PythonWorkerOptions): WorkerSupervisor {
  const {
    requirementsFile = PYTHON_REQUIREMENTS_FILE,
    maxRuns = 8,
    memoryLimitMb,
    kernelStart = 'fork',
    env,
    log,
    ...supervision
  } = opts;
  const args = [
    '-m',
    'slipway_worker',
    '--max-runs',
    String(maxRuns),
    '--kernel-start',
    kernelStart,
  ];
  if (memoryLimitMb) args.push('--memory-mb', String(memoryLimitMb));
  return new WorkerSupervisor({
    name: 'python',
    log,
    spawn: supervision.spawn,
    startupTimeoutMs: supervision.startupTimeoutMs,
    healthIntervalMs: supervision.healthIntervalMs,
    healthTimeoutMs: supervision.healthTimeoutMs,
    idleStopMs: supervision.idleStopMs,
    stopGraceMs: supervision.stopGraceMs,
    cancelGraceMs: supervision.cancelGraceMs,
    command: async () => ({
      command: await ensurePythonEnv({
        configured: opts.configured,
        venvRoot: opts.venvRoot,
        basePython: opts.basePython,
        requirementsFile,
        log,
      }),
      args,
      cwd: PYTHON_WORKER_DIR,
      // -u semantics: protocol lines and log lines leave at once; our package wins over any
      // same-named one in the environment.
      env: {
        ...env,
        PYTHONUNBUFFERED: '1',
        PYTHONPATH: PYTHON_WORKER_DIR,
        // Kernels run under an address-space limit, where each thread's 64 MiB malloc arena
        // would use it up on a machine with many cores (as in pickle workers).
        MALLOC_ARENA_MAX: '2',
      },
    }),
  });
}
