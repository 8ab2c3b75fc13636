import type { PackedTensors, TensorPlan } from '../runtimes/onnx/packed-tensors.js';
import type { FeatureColumns, MonitoredCall } from '../monitoring/features.js';
import type { UnknownFields } from '../validation/validate-records.js';
import type { RequestCodec } from '../codecs/request-codec.js';
import type { Signature } from '../protocol/signature.js';
import type { Prediction } from '../runtimes/types.js';

/** Who calls which deployment, and the call's identity. Nothing here is HTTP. */
export interface Caller {
  /** The deployment's name. */
  name: string;
  /** The caller's secret: an invoke key or the admin token; undefined when none was sent. */
  token: string | undefined;
  /** A version other than the live one (Open Inference Protocol's versioned paths). */
  version?: number;
  /** The call's id: the prediction id (`<id>:<i>` per record of a batch) and the run id. */
  requestId: string;
  /** Aborts when the caller goes away; its work is dropped and the call is logged as 499. */
  signal?: AbortSignal;
  /** A request header by (lower-case) name: a traffic split's sticky header is read here. */
  header?: (name: string) => string | undefined;
}

/**
 * A request body as the transport read it: its JSON value, or — for a large body — its bytes,
 * which the data plane parses, decodes and validates off the event loop.
 */
export type RequestBody =
  | {
      json: unknown;
      /** The bytes it was parsed from, when the transport has them: the log keeps them as they came. */
      raw?: Uint8Array;
    }
  | { jsonBytes: Uint8Array };

/** A call of a model through one protocol. */
export interface InferRequest<Meta> extends Caller {
  codec: RequestCodec<Meta>;
  /** Reads the request body; called only once the caller is authorised and the version found. */
  body: () => Promise<RequestBody>;
}

/** What a model call produced, for a codec to encode. */
export interface InferResult<Meta> {
  /** The call's id (= `Caller.requestId`). */
  id: string;
  /** One prediction id per record: the call's id alone for one record, else `<id>:<i>`. */
  ids: string[];
  version: number;
  predictions: Prediction[];
  signature: Signature;
  meta: Meta;
  /** Fields the records carried that the model does not take (dropped before it saw them). */
  ignoredFields: readonly string[];
  /** What the runtime said of the answer (e.g. an unseen level scored as missing). */
  warnings: readonly string[];
  /** The call waited for its version to load (`X-Slipway-Cold-Start`). */
  cold: boolean;
}

/** Notebook parameters as a caller sent them: typed JSON, and text from a form or query. */
export interface ParameterInput {
  /** A JSON body; a notebook takes one object of parameters. */
  json?: unknown;
  /** Text values (query string, form fields), typed by the parameters' defaults as `papermill -p` does. */
  text: Record<string, string>;
}

/** A call of `/fn/:name`: records for a model, parameters for a notebook. */
export interface FunctionRequest extends Caller {
  /** Reads the body as the records API's JSON (when the deployment is a model). */
  records: () => Promise<RequestBody>;
  /** Reads the body as notebook parameters (when the deployment is a notebook). */
  parameters: () => Promise<ParameterInput>;
  /** Notebooks: answer at once with a run to poll, instead of waiting for its outputs. */
  async?: boolean;
  /** Notebooks: where the finished run is POSTed (an allowed http(s) origin). */
  callbackUrl?: string;
}

/** A notebook run, finished (synchronous calls) or started (asynchronous ones). */
export type RunResult =
  | {
      status: 'succeeded';
      id: string;
      version: number;
      outputs: unknown[];
      durationMs: number;
      cold: boolean;
      ignoredFields: readonly string[];
      /** What papermill would have warned of (`config.parameters: "papermill"`). */
      warnings: readonly string[];
    }
  | {
      status: 'running';
      id: string;
      version: number;
      /** Where the run's status and outputs can be read. */
      statusUrl: string;
      ignoredFields: readonly string[];
      warnings: readonly string[];
    };

/** What `/fn/:name` produced: predictions of a model, or a notebook run. */
export type FunctionResult =
  ({ kind: 'predictions' } & InferResult<{ single: boolean }>) | ({ kind: 'run' } & RunResult);

/** Records scored by a batch job or a stream (`DataPlane.score`): no transport, no codec. */
export interface ScoreRequest extends Caller {
  /** Logged under this protocol. */
  via: 'batch' | 'stream';
  /** One record per row or message; each is validated on its own. */
  records: readonly unknown[];
  /**
   * A batch job's chunk whose features go to drift at the job's checkpoints: the watched
   * features of the scored records come back in the result (`features`), not in the call's log
   * row, so that a chunk scored again after a crash counts in drift once.
   */
  driftAtCheckpoints?: boolean;
}

/**
 * What a batch job needs to score a version's chunks as tensors on a thread of its own
 * (batch/tensor-chunks.ts): the same validator, stacking and monitor as the data plane's, made
 * there from these.
 */
export interface TensorScoring {
  version: number;
  signature: Signature;
  tensors: TensorPlan;
  unknownFields: UnknownFields;
  /** The version's config: how the monitor reads its answers (`config.monitoring`). */
  config: Record<string, unknown>;
  /** Whether the monitor keeps the watched features' values (`SLIPWAY_LOG_INPUTS`). */
  recordInputs: boolean;
}

/**
 * A batch job's chunk as tensors: its records validated by the version's own validator and
 * stacked by the model's plan (batch/tensor-chunks.ts), on the job's thread.
 */
export interface TensorScoreRequest extends Caller {
  via: 'batch';
  /** The records that passed, stacked; undefined when none did (the call is only logged). */
  feeds: PackedTensors | undefined;
  /** Fields of those records that the signature does not name, ignored. */
  ignored: string[];
  /** The monitor's part of the call, from its outputs (made where the output rows are). */
  observe(outputs: PackedTensors): Promise<MonitoredCall>;
}

export interface TensorScoreResult {
  version: number;
  /** Undefined when no record passed. */
  outputs: PackedTensors | undefined;
}

/** A record `score` refused: its index in the request and why (400's message and field). */
export interface RejectedRecord {
  index: number;
  message: string;
  field?: string;
}

/**
 * What `score` answered: a prediction for each record that passed validation, under the
 * prediction id `<requestId>:<index>` (the index in the request, so a row keeps its id
 * whichever other rows were refused), and the refused ones with their reasons.
 */
export interface ScoreResult {
  version: number;
  signature: Signature;
  /** Aligned with the request's records: undefined where the record was refused. */
  predictions: (Prediction | undefined)[];
  /** Aligned with the request's records: undefined where the record was refused. */
  ids: (string | undefined)[];
  rejected: RejectedRecord[];
  /** What the runtime said of the answers (e.g. an unseen level scored as missing). */
  warnings: readonly string[];
  /**
   * The watched features of the scored records (and the prediction's), with
   * `driftAtCheckpoints`; null without it, or when the gateway keeps no inputs.
   */
  features: FeatureColumns | null;
}
