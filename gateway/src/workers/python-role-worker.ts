import type { ReplicaPlacement } from '../pools/placement.js';
import { askedMemoryMb } from '../pools/pool-spec.js';
import type { RuntimeSpec } from '../runtimes/types.js';
import { NotReadyError, UnusableArtifactError } from '../errors.js';
import { deploymentPython, type DeploymentPythonOptions } from './deployment-python.js';
import { PYTHON_WORKER_DIR } from './python-worker.js';
import { WorkerSupervisor, type WorkerSupervisorOptions } from './worker-supervisor.js';

/** What a deployment's own Python worker needs from the gateway (a pickle's, an ONNX session's). */
export interface PythonRoleDeps extends DeploymentPythonOptions {
  /** Supervision timings (tests shorten them). */
  supervision?: Pick<
    WorkerSupervisorOptions,
    'startupTimeoutMs' | 'healthIntervalMs' | 'healthTimeoutMs' | 'restartDelayMs' | 'spawn'
  >;
}

/**
 * The memory limit of a deployment's worker, MiB: its `config.memoryMb`, else the gateway's
 * (`SLIPWAY_MODEL_MEMORY_MB`), else its replica's on the pool, else `fallbackMb`.
 */
export function workerMemoryMb(
  spec: RuntimeSpec,
  gatewayMb: number | undefined,
  fallbackMb: number,
): number {
  return askedMemoryMb(spec.config) ?? gatewayMb ?? spec.placement?.memoryMb ?? fallbackMb;
}

/**
 * The interpreter of a deployment's worker: the worker's own, or a venv with its
 * `config.requirements`. pip's words (and the data dir's paths) stay in the log: a failed
 * install is a 422 naming the requirements, a worker environment that cannot be made a 503.
 */
export async function deploymentInterpreter(
  requirements: readonly string[],
  deps: PythonRoleDeps,
  label: string,
): Promise<string> {
  try {
    return await deploymentPython(requirements, deps);
  } catch (err) {
    deps.log?.(`[${label}] ${(err as Error).message}`);
    if (requirements.length === 0)
      throw new NotReadyError(
        'the Python worker environment could not be made; see the gateway log',
      );
    throw new UnusableArtifactError(
      `config.requirements could not be installed (${requirements.join(', ')}): pip failed; see the gateway log`,
      'requirements_failed',
    );
  }
}

/**
 * A supervised Python worker of one deployment replica serving `role` (`models`: a pickled
 * model; `onnx`: onnxruntime sessions), with its replica's placement: the GPU devices it was
 * given and only those, and its memory limit (RLIMIT_AS; 0: none).
 */
export function pythonRoleWorker(o: {
  role: 'models' | 'onnx';
  name: string;
  python: string;
  memoryMb: number;
  /** 0: it never stops for being idle (a replica of the shared lifecycle is stopped by it). */
  idleStopMs: number;
  placement?: ReplicaPlacement;
  deps: PythonRoleDeps;
}): WorkerSupervisor {
  return new WorkerSupervisor({
    name: o.name,
    log: o.deps.log,
    idleStopMs: o.idleStopMs,
    ...o.deps.supervision,
    command: () => ({
      command: o.python,
      args: ['-m', 'slipway_worker', '--serve', o.role, '--memory-mb', String(o.memoryMb)],
      cwd: PYTHON_WORKER_DIR,
      env: {
        PYTHONUNBUFFERED: '1',
        PYTHONPATH: PYTHON_WORKER_DIR,
        // Each thread's malloc arena reserves 64 MiB of address space: under RLIMIT_AS those
        // reservations, not the model, would use up the limit on a machine with many cores.
        MALLOC_ARENA_MAX: '2',
        ...o.placement?.env,
      },
    }),
  });
}
