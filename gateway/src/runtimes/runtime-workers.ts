import { join } from 'node:path';
import { inheritedWorkerEnv, type Config } from '../config.js';
import { pythonWorker } from '../workers/python-worker.js';
import { WorkerSandbox } from '../workers/worker-sandbox.js';
import type { WorkerSupervisor } from '../workers/worker-supervisor.js';
import type { RuntimeServices } from './default-runtimes.js';
import { MojoWorker } from './mojo/mojo-worker.js';
import { DEFAULT_JVM_HEAP_MB, mojoZipLimits } from './mojo/mojo-zip.js';
import { OnnxWorkers } from './onnx/onnx-workers.js';

/** What the worker processes are configured by. */
export type WorkerConfig = Pick<Config, 'dataDir' | 'python' | 'modelMemoryMb'> &
  Partial<
    Pick<
      Config,
      | 'java'
      | 'jvmHeapMb'
      | 'onnxIsolation'
      | 'kernelMemoryMb'
      | 'kernelStart'
      | 'workerUser'
      | 'workerEnv'
    >
  >;

/** The worker processes runtimes run in, and the services the runtimes are made with. */
export interface RuntimeWorkers {
  services: RuntimeServices;
  python: WorkerSupervisor;
  /** The JVM worker that scores H2O MOJOs. */
  jvm: MojoWorker;
  onnx: OnnxWorkers;
  /** How every worker process starts: its environment, scratch folder and user. */
  sandbox: WorkerSandbox;
  /** Stops every worker. */
  close(): Promise<void>;
}

/**
 * The workers of the gateway (and of a runner, the gateway in single-deployment mode):
 * Python, JVM and ONNX worker processes, each started through one sandbox. Construction only.
 */
export function runtimeWorkers(config: WorkerConfig): RuntimeWorkers {
  const log = (line: string) => console.log(line);
  // Every worker and kernel: an allow-listed environment, and as root another user.
  const sandbox = new WorkerSandbox({
    env: config.workerEnv ?? inheritedWorkerEnv(),
    user: config.workerUser,
    log,
  });
  const venvRoot = join(config.dataDir, 'python');
  const python = pythonWorker({
    configured: config.python,
    venvRoot,
    kernelStart: config.kernelStart,
    spawn: sandbox.spawn,
    log,
  });
  const jvmHeapMb = config.jvmHeapMb ?? DEFAULT_JVM_HEAP_MB;
  const jvm = new MojoWorker({
    java: config.java,
    javaOptions: [`-Xmx${jvmHeapMb}m`],
    spawn: sandbox.spawn,
    log,
  });
  const onnx = new OnnxWorkers({
    isolation: config.onnxIsolation,
    supervision: { spawn: sandbox.spawn },
    log,
  });
  const services: RuntimeServices = {
    notebooks: {
      worker: python,
      runsDir: join(config.dataDir, 'runs'),
      memoryMb: config.kernelMemoryMb,
      python: {
        configured: config.python,
        venvRoot,
        pipSandbox: () => sandbox.pipSandbox(),
        log,
      },
    },
    // A MOJO's inflated size is bounded by the heap it will be read into.
    mojo: { worker: jvm, zipLimits: mojoZipLimits(jvmHeapMb) },
    onnx: { workers: onnx },
    pickles: {
      configured: config.python,
      venvRoot,
      memoryMb: config.modelMemoryMb,
      supervision: { spawn: sandbox.spawn },
      pipSandbox: () => sandbox.pipSandbox(),
      log,
    },
  };
  return {
    services,
    python,
    jvm,
    onnx,
    sandbox,
    async close() {
      await onnx.close();
      await python.stop();
      await jvm.stop();
      await sandbox.close();
    },
  };
}
