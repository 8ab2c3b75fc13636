/** Out-of-process workers: the supervisor, its protocol, and the Python worker's environment. */
export {
  WorkerSupervisor,
  WorkerCallError,
  spawnWorkerProcess,
  type CallOptions,
  type SpawnWorker,
  type WorkerCommand,
  type WorkerReply,
  type WorkerStartEvent,
  type WorkerState,
  type WorkerSupervisorOptions,
} from './worker-supervisor.js';
export type { WorkerErrorBody, WorkerRequest, WorkerResponse } from './worker-protocol.js';
export { ensurePythonEnv, pythonEnvDir, type PythonEnvOptions } from './python-env.js';
export {
  pythonWorker,
  PYTHON_REQUIREMENTS_FILE,
  PYTHON_WORKER_DIR,
  type PythonWorkerOptions,
} from './python-worker.js';
export { ConcurrencyLimit } from './concurrency-limit.js';
export { deploymentPython, type DeploymentPythonOptions } from './deployment-python.js';
export {
  DEFAULT_WORKER_USERS,
  resolveWorkerIdentity,
  WorkerSandbox,
  type WorkerIdentity,
  type WorkerSandboxOptions,
} from './worker-sandbox.js';
export {
  FORBIDDEN_WORKER_ENV,
  pickWorkerEnv,
  WORKER_ENV_NAMES,
  workerEnvironment,
  type InheritedWorkerEnv,
} from './worker-env.js';
