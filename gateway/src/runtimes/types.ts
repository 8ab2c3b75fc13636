import type { Format, PoolName } from '../protocol/deployments.js';
import type { RecordValue, Signature } from '../protocol/signature.js';

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
}

/** Services a runtime may use; pure values, no globals. */
export interface RuntimeContext {
  /** Pool the runtime runs on, with its devices (e.g. `cuda` on the gpu pool). */
  executionProviders?: string[];
}

/** Per-call options. */
export interface PredictOptions {
  requestId: string;
  /** Epoch ms after which the call should give up. */
  deadline?: number;
  signal?: AbortSignal;
}

/** One prediction per record, JSON-serialisable. */
export type Prediction = unknown;

/**
 * A loaded model. `load` and `unload` are idempotent. Records reaching `predict` have already
 * been validated against `signature()`.
 */
export interface ModelRuntime {
  readonly format: Format;
  /** Throws `UnusableArtifactError` (422) naming the reason when the artifact cannot serve. */
  load(signal?: AbortSignal): Promise<void>;
  /** Only valid after `load`. */
  signature(): Signature;
  predict(records: RecordValue[], options: PredictOptions): Promise<Prediction[]>;
  unload(): Promise<void>;
  /** Things the publisher should know (e.g. "no parameters cell"); only valid after `load`. */
  warnings?(): string[];
}

/** Knows one format: recognises its files and makes runtimes for them. */
export interface RuntimeFactory {
  readonly format: Format;
  /** True when the first bytes / file name look like this format. */
  detect(file: { head: Uint8Array; filename?: string }): boolean;
  create(spec: RuntimeSpec, ctx: RuntimeContext): ModelRuntime;
}
