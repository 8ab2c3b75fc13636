import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, NotReadyError, UnusableArtifactError } from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { callTimeout } from '../call-timeout.js';
import { niceFor } from '../../pools/placement.js';
import { ConcurrencyLimit } from '../../workers/concurrency-limit.js';
import { deploymentPython, type DeploymentPythonOptions } from '../../workers/deployment-python.js';
import type { WorkerSupervisor } from '../../workers/worker-supervisor.js';
import type {
  CallOptions,
  NotebookRun,
  NotebookRuntime,
  ParameterMode,
  RuntimeFactory,
  RuntimeSpec,
} from '../types.js';
import { parseNotebookConfig, type NotebookConfig } from './notebook-config.js';
import { mapWorkerError } from './notebook-errors.js';
import { notebookSignature, type NotebookParameter } from './notebook-signature.js';

/** What the notebook runtime needs from the gateway. */
export interface NotebookRuntimeDeps {
  /** The Python worker (see `pythonWorker`), shared by all notebook deployments. */
  worker: WorkerSupervisor;
  /** Where executed notebooks are written, `<runsDir>/<run id>.ipynb`. */
  runsDir: string;
  /**
   * Address-space limit of each kernel, in MiB (`SLIPWAY_KERNEL_MEMORY_MB`); a deployment may
   * set its own (`config.memoryMb`). Default `DEFAULT_KERNEL_MEMORY_MB`.
   */
  memoryMb?: number;
  /**
   * Where a notebook with `config.requirements` gets its kernels' interpreter: a venv layered on
   * the worker's, as a pickle deployment gets its worker's. Without it such a notebook is refused.
   */
  python?: DeploymentPythonOptions;
}

/** A kernel's address-space limit when neither the gateway nor the deployment sets one. */
export const DEFAULT_KERNEL_MEMORY_MB = 2048;

/** What `inspect_notebook` answers. */
interface NotebookInfo {
  hasParametersCell: boolean;
  parameters: NotebookParameter[];
  kernelName: string;
  /** The installed kernel spec's language (`python` for ipykernel), not the notebook's say-so. */
  kernelLanguage: string;
}

interface RunReply {
  outputs: unknown[];
  durationMs: number;
  cold: boolean;
}

/** The worker gets this much longer than the run's own timeout before the gateway cancels. */
const WORKER_GRACE_MS = 5_000;
/** Time for inspecting a notebook once the worker runs (reading JSON; generous for big files). */
const INSPECT_TIMEOUT_MS = 60_000;

/**
 * A parameterised notebook executed by papermill's machinery in the Python worker. Each run
 * gets a fresh kernel from a warm pool; runs go in parallel up to `maxConcurrency` and queue
 * up to `queueSize` beyond it (429 past that). A run's time limit is the call's timeout,
 * counted once it has a slot.
 */
export class PapermillRuntime implements NotebookRuntime {
  readonly kind = 'notebook' as const;
  readonly format = 'notebook' as const;
  private sig: Signature | undefined;
  private notes: string[] = [];
  private hasParametersCell = true;
  /** The parameters cell's names, kept after `unload`: papermill's warnings need only them. */
  private known = new Set<string>();
  private loading: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly config: NotebookConfig;
  private readonly limit: ConcurrencyLimit;
  /** Names this runtime's registration on the worker's kernel pool. */
  private readonly key: string;
  /** The interpreter of this notebook's kernels when it has requirements (a venv of its own). */
  private kernelPython: string | undefined;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly deps: NotebookRuntimeDeps,
  ) {
    this.config = parseNotebookConfig(spec.config);
    this.limit = new ConcurrencyLimit(this.config.maxConcurrency, this.config.queueSize, spec.name);
    // Unique per instance: two versions of the same file are two registrations.
    this.key = `${spec.name}@${spec.version}:${randomUUID()}`;
  }

  /**
   * Reads the parameters through the worker, installs `config.requirements` (a venv made once
   * per set; pip failing is a 422) and starts warming kernels; idempotent.
   */
  async load(signal?: AbortSignal): Promise<void> {
    if (this.sig) return;
    this.loading ??= this.inspect(signal).finally(() => (this.loading = undefined));
    return this.loading;
  }

  signature(): Signature {
    if (!this.sig) throw new Error('notebook runtime used before load()');
    return this.sig;
  }

  warnings(): string[] {
    return this.notes;
  }

  get parameterMode(): ParameterMode {
    return this.config.parameters;
  }

  /** papermill's own words: for each name its parameters cell does not assign, and for a notebook without one. */
  parameterWarnings(names: readonly string[]): string[] {
    if (names.length === 0) return [];
    const warnings = names
      .filter((n) => !this.known.has(n))
      .map((n) => `Passed unknown parameter: ${n}`);
    if (!this.hasParametersCell)
      warnings.push("Input notebook does not contain a cell with tag 'parameters'");
    return warnings;
  }

  /** Runs the notebook once with these parameters; the executed notebook is kept under the run id. */
  async run(
    parameters: RecordValue,
    options: CallOptions,
    text: Readonly<Record<string, string>> = {},
  ): Promise<NotebookRun> {
    // A load is shared by every caller waiting for it: one caller leaving must not fail it.
    await this.load();
    await this.limit.acquire(options.signal);
    try {
      const timeoutMs = callTimeout(options);
      const reply = await this.deps.worker.request<RunReply>(
        'run_notebook',
        {
          ...this.poolArgs(),
          path: this.spec.artifact.path,
          parameters,
          cliParameters: text,
          // The worker kills the kernel at this time and answers Timeout; the gateway's own
          // timeout, a little later, is the backstop for a worker that does not.
          timeoutSeconds: timeoutMs / 1000,
          outputPath: join(this.deps.runsDir, `${options.requestId}.ipynb`),
          // What the executed notebook's metadata names as papermill's input and output paths.
          inputLabel: `/api/deployments/${this.spec.name}/versions/${options.version ?? this.spec.version}`,
          outputLabel: `/fn/${this.spec.name}/runs/${options.requestId}/notebook`,
        },
        { timeoutMs: timeoutMs + WORKER_GRACE_MS, signal: options.signal },
      );
      const { outputs, durationMs, cold } = reply.result;
      return { outputs, durationMs, cold: reply.coldStart || cold };
    } catch (err) {
      throw mapWorkerError(err, 'run', this.memoryMb);
    } finally {
      this.limit.release();
    }
  }

  async unload(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sig = undefined;
    // Only a running worker holds a registration; starting one just to drop it would be silly.
    if (this.deps.worker.state === 'running') {
      await this.deps.worker
        .call('release_kernels', { key: this.key }, { timeoutMs: 10_000 })
        .catch(() => {});
    }
  }

  private async inspect(signal?: AbortSignal): Promise<void> {
    let info: NotebookInfo;
    try {
      info = await this.deps.worker.call<NotebookInfo>(
        'inspect_notebook',
        { path: this.spec.artifact.path },
        { timeoutMs: INSPECT_TIMEOUT_MS, signal },
      );
    } catch (err) {
      throw mapWorkerError(err, 'load', this.memoryMb);
    }
    if (this.config.requirements.length > 0) {
      // Checked before pip runs: a venv for a kernel that would never use it is wasted minutes.
      if (info.kernelLanguage.toLowerCase() !== 'python')
        throw new InvalidInputError(
          `config.requirements: the notebook's kernel "${info.kernelName}" runs ${info.kernelLanguage}, not Python; requirements are installed for Python kernels only`,
          'config.requirements',
        );
      this.kernelPython = await this.python(this.config.requirements);
    }
    this.sig = notebookSignature(info.parameters);
    this.hasParametersCell = info.hasParametersCell;
    this.known = new Set(this.sig.inputs.map((f) => f.name));
    this.notes = info.hasParametersCell
      ? []
      : [
          'the notebook has no cell tagged "parameters", so it takes no inputs; tag a cell "parameters" to accept some',
        ];
    // After a crash the new worker knows nothing of this notebook: warm its kernels again.
    this.unsubscribe ??= this.deps.worker.onStart((event) => {
      if (event.reason === 'restart') void this.prepareKernels().catch(() => {});
    });
    await this.prepareKernels().catch(() => {
      // Not fatal: without warm kernels each call starts its own (and says it was cold).
    });
  }

  private async python(requirements: string[]): Promise<string> {
    const deps = this.deps.python;
    if (!deps)
      throw new NotReadyError('this gateway cannot install config.requirements for notebooks');
    try {
      return await deploymentPython(requirements, deps);
    } catch (err) {
      deps.log?.(`[notebook ${this.spec.name}] ${(err as Error).message}`);
      // pip's own words (and the data dir's paths) stay in the log.
      throw new UnusableArtifactError(
        `config.requirements could not be installed (${requirements.join(', ')}): pip failed; see the gateway log`,
        'requirements_failed',
      );
    }
  }

  private async prepareKernels(): Promise<void> {
    if (this.config.warmKernels === 0 || !this.sig) return;
    await this.deps.worker.call(
      'prepare_kernels',
      { ...this.poolArgs(), path: this.spec.artifact.path },
      { timeoutMs: INSPECT_TIMEOUT_MS },
    );
  }

  /** The deployment's own limit, else the gateway's, else its pool's per replica. */
  private get memoryMb(): number {
    return (
      this.config.memoryMb ??
      this.deps.memoryMb ??
      this.spec.placement?.memoryMb ??
      DEFAULT_KERNEL_MEMORY_MB
    );
  }

  private poolArgs() {
    return {
      key: this.key,
      warm: this.config.warmKernels,
      idleSeconds: this.config.idleSeconds,
      memoryMb: this.memoryMb,
      // Its pool's placement: the kernels see the GPU devices it was given, and only those.
      env: this.spec.placement?.env ?? {},
      // Its pool's CPU weight, as the kernels' nice value.
      nice: this.spec.placement ? niceFor(this.spec.placement.cpuShares) : 0,
      // Sent with every call, as the rest: a restarted worker learns it from the next one.
      ...(this.kernelPython !== undefined && { python: this.kernelPython }),
    };
  }
}

/**
 * True for `.ipynb` names, or for JSON that looks like a notebook. Only the first bytes are
 * seen, and nbformat writes keys sorted, so `"nbformat"` comes last: `"cells"` followed by a
 * cell's `"cell_type"` (its first key) serves as well.
 */
export function looksLikeNotebook({
  head,
  filename,
}: {
  head: Uint8Array;
  filename?: string;
}): boolean {
  if (filename?.toLowerCase().endsWith('.ipynb')) return true;
  const text = new TextDecoder().decode(head);
  if (!text.trimStart().startsWith('{') || !/"cells"\s*:\s*\[/.test(text)) return false;
  return /"nbformat"\s*:\s*\d/.test(text) || /"cell_type"\s*:\s*"(code|markdown|raw)"/.test(text);
}

/** Publishes `.ipynb` files as functions run by papermill in the Python worker. */
export function notebookRuntimeFactory(deps: NotebookRuntimeDeps): RuntimeFactory<NotebookRuntime> {
  return {
    format: 'notebook',
    kind: 'notebook',
    detect: looksLikeNotebook,
    // parseNotebookConfig in the constructor: a bad config fails the publish, not the first call.
    create: (spec) => new PapermillRuntime(spec, deps),
  };
}

/**
 * The executed notebook a run wrote, or undefined (unknown id, or not written yet). The runs
 * folder is the worker's to write (its user may not be the gateway's): only a plain file is
 * read there — never through a symlink or a second hard link, which a worker could plant to
 * make the gateway read its secrets for it, nor a FIFO that would block the read.
 */
export async function readExecutedNotebook(
  runsDir: string,
  runId: string,
): Promise<string | undefined> {
  // Run ids are UUIDs: nothing else reaches the disk.
  if (!/^[0-9a-f-]{36}$/.test(runId)) return undefined;
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const fh = await open(join(runsDir, `${runId}.ipynb`), flags).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.nlink !== 1) return undefined;
    return await fh.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}
