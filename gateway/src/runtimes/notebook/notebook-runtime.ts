import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeadlineError,
  NotebookFailedError,
  OverloadedError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
} from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { WorkerCallError, type WorkerSupervisor } from '../../workers/worker-supervisor.js';
import type {
  ModelRuntime,
  PredictOptions,
  Prediction,
  RuntimeFactory,
  RuntimeSpec,
} from '../types.js';
import { notebookSignature, type NotebookParameter } from './notebook-signature.js';
import { parseNotebookConfig, type NotebookConfig } from './notebook-config.js';

/** What one run answers. */
export interface NotebookResult {
  outputs: unknown[];
  durationMs: number;
  /** True when no warm kernel was ready and the call waited for one to start. */
  cold: boolean;
  kernelPid?: number;
}

export interface NotebookRuntimeDeps {
  worker: WorkerSupervisor;
  /** Where executed notebooks are written, `<runsDir>/<run id>.ipynb`. */
  runsDir: string;
}

/**
 * A parameterised notebook run by papermill in the Python worker. Each call gets a fresh
 * kernel from a warm pool; calls run in parallel up to `maxConcurrency` and queue up to
 * `queueSize` beyond it (429 past that).
 */
export class NotebookRuntime implements ModelRuntime {
  readonly format = 'notebook' as const;
  private sig: Signature | undefined;
  private notes: string[] = [];
  private preparedGeneration = -1;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly config: NotebookConfig;
  private readonly key: string;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly deps: NotebookRuntimeDeps,
  ) {
    this.config = parseNotebookConfig(spec.config);
    // Unique per runtime instance: a republished identical file must not share a kernel pool.
    this.key = `${spec.name}@${spec.version}:${randomUUID()}`;
  }

  async load(): Promise<void> {
    if (this.sig) return;
    const info = await this.worker<{ hasParametersCell: boolean; parameters: NotebookParameter[] }>(
      'inspect',
      { path: this.spec.artifact.path },
    );
    this.sig = notebookSignature(info.parameters);
    this.notes = info.hasParametersCell
      ? []
      : [
          'the notebook has no cell tagged "parameters": it takes no inputs (tag a cell "parameters" to accept some)',
        ];
    await this.prepare();
  }

  signature(): Signature {
    if (!this.sig) throw new PredictionFailedError('notebook is not loaded');
    return this.sig;
  }

  warnings(): string[] {
    return this.notes;
  }

  async predict(records: RecordValue[], options: PredictOptions): Promise<Prediction[]> {
    await this.load();
    const out: Prediction[] = [];
    for (const [i, record] of records.entries()) {
      const runId = records.length === 1 ? options.requestId : `${options.requestId}-${i}`;
      out.push((await this.runOne(record, runId)) as unknown as Prediction);
    }
    return out;
  }

  async unload(): Promise<void> {
    if (this.preparedGeneration === this.deps.worker.generation) {
      await this.deps.worker.call('release', { key: this.key }).catch(() => {});
    }
    this.preparedGeneration = -1;
    this.sig = undefined;
  }

  private async runOne(parameters: RecordValue, runId: string): Promise<NotebookResult> {
    await this.acquireSlot();
    try {
      await this.prepare();
      return await this.worker<NotebookResult>(
        'run',
        {
          key: this.key,
          path: this.spec.artifact.path,
          parameters,
          timeout: this.config.timeoutSeconds,
          outputPath: join(this.deps.runsDir, `${runId}.ipynb`),
        },
        // The worker kills the kernel at the timeout; this is the backstop if the worker hangs.
        (this.config.timeoutSeconds + 30) * 1000,
      );
    } finally {
      this.releaseSlot();
    }
  }

  /** Warm kernels for this notebook on the current worker process (again after a restart). */
  private async prepare(): Promise<void> {
    if (this.preparedGeneration === this.deps.worker.generation) return;
    await this.worker('prepare', {
      key: this.key,
      path: this.spec.artifact.path,
      warm: this.config.warmKernels,
      idleSeconds: this.config.idleSeconds,
    });
    this.preparedGeneration = this.deps.worker.generation;
  }

  private acquireSlot(): Promise<void> {
    if (this.active < this.config.maxConcurrency) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.config.queueSize) {
      throw new OverloadedError(
        `${this.spec.name} is running ${this.active} calls with ${this.waiting.length} waiting; try again later`,
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  private async worker<T>(
    method: string,
    args: Record<string, unknown>,
    deadlineMs?: number,
  ): Promise<T> {
    try {
      return await this.deps.worker.call<T>(method, args, { deadlineMs });
    } catch (err) {
      throw mapWorkerError(err);
    }
  }
}

function mapWorkerError(err: unknown): unknown {
  if (!(err instanceof WorkerCallError))
    return err instanceof SlipwayError
      ? err
      : new PredictionFailedError('the notebook worker failed; see the gateway log');
  switch (err.type) {
    case 'NotebookFailed':
      return new NotebookFailedError(
        err.message,
        (err.details.cell as number | null) ?? null,
        String(err.details.ename ?? 'Error'),
      );
    case 'Timeout':
      return new DeadlineError(err.message);
    case 'InvalidNotebook':
      return new UnusableArtifactError(err.message, 'unusable_artifact');
    default:
      return new PredictionFailedError(`notebook worker: ${err.type}: ${err.message}`);
  }
}

/** Publishes `.ipynb` files as functions run by papermill. */
export function notebookRuntimeFactory(deps: NotebookRuntimeDeps): RuntimeFactory {
  return {
    format: 'notebook',
    detect: ({ head, filename }) => {
      if (filename?.toLowerCase().endsWith('.ipynb')) return true;
      const text = new TextDecoder().decode(head.subarray(0, 4096));
      return (
        text.trimStart().startsWith('{') && /"nbformat"\s*:/.test(text) && /"cells"\s*:/.test(text)
      );
    },
    create: (spec) => {
      // Fail at publish, not at the first call, when the config is wrong.
      parseNotebookConfig(spec.config);
      return new NotebookRuntime(spec, deps);
    },
  };
}

/** Reads an executed notebook written by a run. */
export async function readExecutedNotebook(
  runsDir: string,
  runId: string,
): Promise<string | undefined> {
  if (!/^[0-9a-f-]{36}(-\d+)?$/.test(runId)) return undefined;
  return readFile(join(runsDir, `${runId}.ipynb`), 'utf8').catch(() => undefined);
}
