import { NotReadyError } from '../../errors.js';
import type { PoolName } from '../../protocol/deployments.js';
import {
  WorkerSupervisor,
  type WorkerCommand,
  type WorkerSupervisorOptions,
} from '../../workers/worker-supervisor.js';
import { nodeEntry } from '../../workers/node-entry.js';
import type { RuntimeSpec } from '../types.js';
import type { OnnxConfig, OnnxIsolation } from './onnx-config.js';
import type { ReplicaPlacement } from '../../pools/placement.js';
import { applyCpuWeight } from '../../pools/process-priority.js';

export interface OnnxWorkersOptions {
  /** Isolation of the deployments whose config names none. Default `deployment`. */
  isolation?: OnnxIsolation;
  /** Receives the workers' stderr and the supervisors' notes. */
  log?: (line: string) => void;
  /** Supervision timings (tests shorten them) and the way processes are started. */
  supervision?: Pick<
    WorkerSupervisorOptions,
    | 'startupTimeoutMs'
    | 'healthIntervalMs'
    | 'healthTimeoutMs'
    | 'restartDelayMs'
    | 'stopGraceMs'
    | 'spawn'
  >;
}

const DEFAULT_GRACE_MS = 5_000;

/** A worker process lent to one loaded model. */
export interface OnnxWorkerLease {
  readonly worker: WorkerSupervisor;
  /** True when models of other deployments run in the same process. */
  readonly shared: boolean;
  /** Time the calls under way get to finish when a model is unloaded. */
  readonly graceMs: number;
  /** Gives the worker back: a deployment's own stops; a pool's stops once no model uses it. */
  release(): Promise<void>;
}

/**
 * The gateway's ONNX worker processes: one per deployment version (`isolation: deployment`)
 * or one per pool (`isolation: pool`). Each runs every model it holds on a thread of its own,
 * so calls to different models never wait for each other, and onnxruntime's intra-op threads
 * (one per core unless `config.threads` says otherwise) within each run. A process is what
 * the gateway can stop when a call runs past its time: onnxruntime-node cannot interrupt a
 * run, and a worker thread stuck in one cannot be terminated either.
 * Construction starts nothing; processes start on first need.
 */
export class OnnxWorkers {
  private readonly pools = new Map<PoolName, { worker: WorkerSupervisor; users: number }>();
  private readonly own = new Set<WorkerSupervisor>();
  private closed = false;

  constructor(private readonly opts: OnnxWorkersOptions = {}) {}

  /** Time calls under way get when their model is unloaded or their worker stopped. */
  private get graceMs(): number {
    return this.opts.supervision?.stopGraceMs ?? DEFAULT_GRACE_MS;
  }

  /** The isolation of deployments that do not choose one. */
  get defaultIsolation(): OnnxIsolation {
    return this.opts.isolation ?? 'deployment';
  }

  /** A worker for one loaded version of `spec`, as its config (or the default) isolates it. */
  lease(spec: RuntimeSpec, config: OnnxConfig): OnnxWorkerLease {
    if (this.closed) throw new NotReadyError('the ONNX workers are stopped');
    if ((config.isolation ?? this.defaultIsolation) === 'pool') return this.poolLease(spec.pool);
    // A replica of the shared lifecycle is stopped by it, not by its worker's idle timer.
    const idleStopMs = spec.managed ? 0 : config.idleSeconds * 1000;
    const worker = this.supervisor(`onnx ${spec.name}`, idleStopMs, spec.placement);
    this.own.add(worker);
    return {
      worker,
      shared: false,
      graceMs: this.graceMs,
      release: async () => {
        this.own.delete(worker);
        await worker.stop();
      },
    };
  }

  /** Stops every worker; calls still under way fail with NotReadyError (503). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.own, ...[...this.pools.values()].map((p) => p.worker)];
    this.own.clear();
    this.pools.clear();
    await Promise.all(all.map((w) => w.stop()));
  }

  private poolLease(pool: PoolName): OnnxWorkerLease {
    let entry = this.pools.get(pool);
    if (!entry) {
      entry = { worker: this.supervisor(`onnx pool ${pool}`, 0), users: 0 };
      this.pools.set(pool, entry);
    }
    const leased = entry;
    leased.users++;
    let released = false;
    return {
      worker: leased.worker,
      shared: true,
      graceMs: this.graceMs,
      release: async () => {
        if (released) return;
        released = true;
        if (--leased.users > 0) return;
        if (this.pools.get(pool) === leased) this.pools.delete(pool);
        await leased.worker.stop();
      },
    };
  }

  /**
   * A worker process; with a `placement` (a deployment's own worker), with its replica's
   * environment (CUDA_VISIBLE_DEVICES) and CPU weight. A pool's shared worker has neither.
   */
  private supervisor(
    name: string,
    idleStopMs: number,
    placement?: ReplicaPlacement,
  ): WorkerSupervisor {
    const worker = new WorkerSupervisor({
      name,
      command: () => ({ ...onnxWorkerCommand(placement?.memoryMb), env: placement?.env }),
      log: this.opts.log,
      idleStopMs,
      stopGraceMs: this.graceMs,
      ...this.opts.supervision,
    });
    if (placement) worker.onStart((event) => applyCpuWeight(event.pid, placement));
    return worker;
  }
}

/**
 * `node worker/onnx-worker.js`; from the TypeScript sources (tests, `npm run dev`), the `.ts`
 * file through tsx; with `heapMb`, its JavaScript heap limit.
 */
function onnxWorkerCommand(heapMb?: number): WorkerCommand {
  const { script, execArgv } = nodeEntry(import.meta.url, './worker/onnx-worker');
  return {
    command: process.execPath,
    args: [
      // A placed replica's memory bounds the JavaScript heap, where a PMML document's model
      // lives (onnxruntime's own allocations are native, outside it).
      ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
      ...execArgv,
      script,
    ],
  };
}
