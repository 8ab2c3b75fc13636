import type { PackedTensors, TensorPlan } from './onnx/packed-tensors.js';
import type { Format, PoolName } from '../protocol/deployments.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import type { SlipwayError } from '../errors.js';
import type { ReplicaPlacement } from '../pools/placement.js';
import type { ReplicaInfo } from '../pools/replica-set.js';

/** The artifact a runtime is created from: bytes on disk, content-addressed. */
export interface ArtifactRef {
  /** Absolute path of the artifact file. */
  path: string;
  sha256: string;
  size: number;
  /** The file name the user uploaded, for detection by extension. */
  filename?: string;
}

/** Everything a runtime needs to come into existence. */
export interface RuntimeSpec {
  name: string;
  version: number;
  artifact: ArtifactRef;
  pool: PoolName;
  /** Format options from the publish `config` field, already parsed as JSON. */
  config: Record<string, unknown>;
  /**
   * Where the replica runs and what it may take (devices, memory, CPU weight, the environment
   * of its processes); set by the registry when the gateway has the pool.
   */
  placement?: ReplicaPlacement;
  /**
   * True for a replica of the shared lifecycle (`pools/replica-set.ts`): it decides when the
   * replica stops, so the runtime stops nothing of its own for being idle.
   */
  managed?: boolean;
}

/** Per-call options. */
export interface CallOptions {
  /** The call's id: the prediction id, and the run id of a notebook run. */
  requestId: string;
  /** The version answering the call (a runtime made at publish is given no number). */
  version?: number;
  /**
   * How long the work may take once it starts, from the deployment's `config.timeoutSeconds`;
   * past it the call gives up with a `DeadlineError` (504). A wait for a free slot or for a
   * cold start is not counted: those have limits of their own (the queue, the load timeout).
   */
  timeoutMs?: number;
  /** Aborts when the caller goes away: queued or running work is dropped. */
  signal?: AbortSignal;
  /**
   * Takes what the caller should know about an answer that was given all the same (e.g. a
   * categorical level the model never saw, scored as missing); the transport shows it.
   */
  warn?: (message: string) => void;
  /** True for a replica's warm-up prediction (its readiness), which no caller made. */
  warmup?: boolean;
  /** Told how long the call waited for a replica that started for it (a cold start). */
  coldStart?: (waitedMs: number) => void;
}

/** One prediction per record, JSON-serialisable. */
export type Prediction = unknown;

/** What every runtime shares: a lifecycle and a signature. */
interface RuntimeLifecycle {
  readonly format: Format;
  /** Throws `UnusableArtifactError` (422) naming the reason when the artifact cannot serve. */
  load(signal?: AbortSignal): Promise<void>;
  /** Only valid after `load`. */
  signature(): Signature;
  unload(): Promise<void>;
  /** Things the publisher should know (e.g. "no parameters cell"); only valid after `load`. */
  warnings?(): string[];
  /** Its replicas now, when it is served by the shared lifecycle. */
  replicas?(): ReplicaInfo[];
  /** Why its replicas could not start lately (the deployment's status shows it). */
  failure?(): SlipwayError | undefined;
  /**
   * Resolves once a replica can take calls (rejects with why none can): a new version of a live
   * deployment is made live only then, so its calls never wait on its start. A runtime that
   * `load` already made ready has nothing to wait for.
   */
  ready?(): Promise<void>;
}

/**
 * A loaded model: records in, one prediction per record out. `load` and `unload` are
 * idempotent. Records reaching `predict` have already been validated against `signature()`.
 */
export interface ModelRuntime extends RuntimeLifecycle {
  readonly kind: 'model';
  predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]>;
  /**
   * A model that takes its inputs as tensors of bytes (an ONNX model in its worker): their
   * plan, once loaded; undefined (or absent) for one that takes records only.
   */
  tensorPlan?(): TensorPlan | undefined;
  /** One run of tensors stacked from validated records; only where `tensorPlan()` is defined. */
  predictTensors?(feeds: PackedTensors, options: CallOptions): Promise<PackedTensors>;
}

/** What one run of a notebook produced. */
export interface NotebookRun {
  /** Outputs of the cells tagged `output` (else the last code cell): JSON, text or data URLs. */
  outputs: unknown[];
  /** Time the run took in the worker, kernel hand-over and cells. */
  durationMs: number;
  /** True when the run waited for a start: of the worker (it was stopped) or of a kernel. */
  cold: boolean;
}

/**
 * How a notebook takes the parameters of a call (its `config.parameters`): `typed` checks each
 * against the parameters cell (an unknown name or a wrong type is a 400); `papermill` takes
 * them as papermill's CLI does (unknown names injected, with papermill's warning; no check).
 */
export type ParameterMode = 'typed' | 'papermill';

/**
 * A parameterised notebook: one set of parameters in, one run out, its executed notebook kept
 * under the run's id (`options.requestId`). Parameters reaching `run` are the ones the caller
 * passed (only those: the notebook's own defaults stay in its cell); in `typed` mode they have
 * been validated against `signature()`, whose inputs are the notebook's parameters.
 */
export interface NotebookRuntime extends RuntimeLifecycle {
  readonly kind: 'notebook';
  readonly parameterMode: ParameterMode;
  /** What papermill warns of when a run is passed these parameters (an unknown name, say). */
  parameterWarnings(names: readonly string[]): string[];
  /**
   * Runs the notebook once. `text`: more parameters as text (papermill mode's query string and
   * form values), converted as papermill's `-p` converts them; `parameters` win over them.
   */
  run(
    parameters: RecordValue,
    options: CallOptions,
    text?: Readonly<Record<string, string>>,
  ): Promise<NotebookRun>;
}

/** Any runtime; `kind` tells what it can do. */
export type Runtime = ModelRuntime | NotebookRuntime;

/** What a runtime can do: score records, or run a notebook. */
export type RuntimeKind = Runtime['kind'];

/** Knows one format: recognises its files and makes runtimes (of kind `R`) for them. */
export interface RuntimeFactory<R extends Runtime = Runtime> {
  readonly format: Format;
  /** What its runtimes do, known before one is loaded. */
  readonly kind: R['kind'];
  /** True when the first bytes / file name look like this format. */
  detect(file: { head: Uint8Array; filename?: string }): boolean;
  create(spec: RuntimeSpec): R;
}
