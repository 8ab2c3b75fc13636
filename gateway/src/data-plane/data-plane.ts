import { sameSecret } from '../auth/tokens.js';
import { USER_HEADER, type Credentials } from '../identity/authenticator.js';
import { actorOf, holds, type Principal } from '../identity/roles.js';
import { recordsCodec, type Protocol, type RequestCodec } from '../codecs/index.js';
import type { DeploymentRecord, DeploymentRepository } from '../db/deployment-repository.js';
import {
  describeFailure,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
} from '../errors.js';
import type { InvocationLog } from '../monitoring/invocation-log.js';
import type { Signature } from '../protocol/signature.js';
import type { CallOptions, ModelRuntime, NotebookRuntime, Prediction } from '../runtimes/types.js';
import type { DeploymentCatalog } from '../serving/deployment-catalog.js';
import type { ModelHost, Served } from '../serving/model-host.js';
import { RawJson } from '../monitoring/loggable-row.js';
import { knownJson } from '../codecs/known-json.js';
import {
  observeCall,
  withoutFeatures,
  type FeatureColumns,
  type MonitoredCall,
} from '../monitoring/features.js';
import type { RecordValue } from '../protocol/signature.js';
import { predictEach } from './predict-each.js';
import { validateEach } from './validate-each.js';
import { checkCallbackUrl } from './callback-url.js';
import { decodeRecordsOffThread } from './decode-records.js';
import { NotebookRunError, runLinks, runUrls, type NotebookRuns } from './notebook-runs.js';
import { runParameters } from './parameters.js';
import { ShadowCalls } from './shadow-calls.js';
import { pickVersion } from './traffic.js';
import type {
  Caller,
  FunctionRequest,
  FunctionResult,
  InferRequest,
  InferResult,
  RequestBody,
  RunResult,
  ScoreRequest,
  ScoreResult,
  TensorScoreRequest,
  TensorScoreResult,
  TensorScoring,
} from './types.js';

export interface DataPlaneDeps {
  catalog: DeploymentCatalog;
  repo: DeploymentRepository;
  host: ModelHost;
  log: InvocationLog;
  runs: NotebookRuns;
  adminToken: string;
  /**
   * The management API's user behind a credential that is one (the proxy's with its user, a
   * personal token); undefined for any other (an invoke key). Throws for an ended token.
   */
  principal?: (credentials: Credentials) => Promise<Principal | undefined>;
  publicUrl: string;
  /** Records per call, in every protocol. */
  maxBatch: number;
  /** When false, inputs and outputs are not kept in the invocation log. */
  recordInputs: boolean;
  /** Told of every call once it is in the log (metrics, live events). */
  onCall?: (call: CallObserved) => void;
  /** Origins an asynchronous notebook call's callback may name; `*` for any. */
  callbackOrigins: string[];
  /** Draws a traffic split's version for a call without a sticky value; uniform in [0, 1). */
  random?: () => number;
  /** Shadow calls: at most `maxInFlight` per deployment, each within `timeoutMs`. */
  shadow?: { maxInFlight?: number; timeoutMs?: number };
  reportError?: (err: unknown) => void;
}

/** Shadow calls under way per deployment, by default; copies beyond are dropped. */
export const DEFAULT_SHADOW_MAX_IN_FLIGHT = 8;
/** A shadow call's deadline, by default. */
export const DEFAULT_SHADOW_TIMEOUT_MS = 30_000;

/** What a batch job's calls keep in place of their values. */
export const BATCH_WITHHELD =
  "a batch job's chunk: its rows, predictions and prediction ids are in the job's output file";

/** Versions are int4 in the database. */
const MAX_VERSION = 2_147_483_647;

/** A call that passed authentication, bound to the version that answers it. */
interface Target {
  record: DeploymentRecord;
  served: Served;
  /** Set when the call had to wait for the version to load: how long it waited, ms. */
  coldStartMs?: number;
}

/** A logged call, as metrics and live events see it. */
export interface CallObserved {
  name: string;
  version: number;
  status: number;
  latencyMs: number;
  /** It waited for a start (a load, a kernel, a worker); `coldStartMs`: for how long, when known. */
  cold: boolean;
  coldStartMs?: number;
}

/** What one call leaves in the invocation log; filled in as the call goes. */
interface CallNotes {
  protocol: Protocol;
  /** `performance.now()` when the call arrived. */
  started: number;
  version: number;
  input: unknown;
  output: unknown;
  ignored: readonly string[];
  /** The monitor's part: predictions and feature values of a successful call. */
  monitored?: MonitoredCall;
  /** Set by work that logs the call itself, later (an asynchronous run). */
  held: boolean;
  /**
   * Why the row keeps neither input nor output, when they are kept elsewhere (a batch job's
   * chunk: its output file has every row with its prediction and id).
   */
  withheld?: string;
  /**
   * Whether the call waited for a start: its version's load, or a notebook's kernel or worker.
   * `coldStartMs`: how long it waited for the load, when the gateway saw it.
   */
  cold: boolean;
  coldStartMs?: number;
}

/** What a deployment is, for metadata answers (Open Inference Protocol's model metadata). */
export interface DeploymentView {
  name: string;
  version: number;
  format: string;
  versions: number[];
  signature: Signature;
  /** The version's time limit for one call (`config.timeoutSeconds`). */
  timeoutMs: number;
}

/**
 * The data plane, without a transport: every call — from a REST route, and later a batch job,
 * a stream consumer or the end-user form — is one method call that authorises, resolves the
 * version, decodes and validates, predicts or runs, and logs, whatever happens. Routes decode
 * the transport and encode the typed result; nothing here knows HTTP.
 */
export class DataPlane {
  private readonly records: RequestCodec<{ single: boolean }>;
  private readonly random: () => number;
  /** Copies of successful model calls sent to each deployment's shadow version. */
  readonly shadows: ShadowCalls;

  constructor(private readonly deps: DataPlaneDeps) {
    this.records = recordsCodec(deps.maxBatch);
    this.random = deps.random ?? Math.random;
    this.shadows = new ShadowCalls({
      repo: deps.repo,
      host: deps.host,
      log: deps.log,
      recordInputs: deps.recordInputs,
      maxInFlight: deps.shadow?.maxInFlight ?? DEFAULT_SHADOW_MAX_IN_FLIGHT,
      timeoutMs: deps.shadow?.timeoutMs ?? DEFAULT_SHADOW_TIMEOUT_MS,
      reportError: deps.reportError,
    });
  }

  /** A model, through one protocol's codec. A notebook deployment is a 400 saying where to call it. */
  infer<Meta>(req: InferRequest<Meta>): Promise<InferResult<Meta>> {
    return this.serve(
      req,
      () => req.codec.protocol,
      (target, notes) => {
        const runtime = target.served.runtime;
        if (runtime.kind !== 'model')
          throw new InvalidInputError(
            `deployment ${req.name} is a notebook: POST its parameters to /fn/${req.name}`,
            undefined,
            'not_a_model',
          );
        return this.predict(req, target, runtime, req.codec, req.body, notes);
      },
    );
  }

  /** Whether a format's runtime is a model (records) or a notebook (parameters); none: unknown. */
  kindOf(format: string): 'model' | 'notebook' | undefined {
    return this.deps.host.kindOf(format);
  }

  /** `/fn/:name`: records for a model, parameters for a notebook, told apart by the runtime. */
  invoke(req: FunctionRequest): Promise<FunctionResult> {
    const protocolOf = (format: string) =>
      this.deps.host.kindOf(format) === 'notebook' ? 'notebook' : 'records';
    return this.serve(req, protocolOf, async (target, notes) => {
      const runtime = target.served.runtime;
      if (runtime.kind === 'model') {
        const result = await this.predict(req, target, runtime, this.records, req.records, notes);
        return { kind: 'predictions', ...result };
      }
      return { kind: 'run', ...(await this.run(req, target, runtime, notes)) };
    });
  }

  /**
   * A batch job's chunk or a stream's messages: each record is validated on its own, those
   * that pass are scored in one call of the model, and the refused ones are answered with
   * their reasons instead of failing the rest. The call is logged once (protocol `batch` or
   * `stream`), with the scored records; their prediction ids are `<requestId>:<index>`. A
   * notebook deployment is a 400: a job runs it through `invoke`, a row at a time.
   */
  score(req: ScoreRequest): Promise<ScoreResult> {
    return this.serve(
      req,
      () => req.via,
      async (target, notes) => {
        const { served } = target;
        const runtime = scoringModel(served, req.name);
        const n = req.records.length;
        const { passed, indexes, rejected, ignored } = validateEach(served.validate, req.records);
        notes.input = passed;
        notes.ignored = ignored;
        // A job's chunk: a thousand rows of values the job's output file holds already.
        if (req.via === 'batch') notes.withheld = BATCH_WITHHELD;
        const predictions: (Prediction | undefined)[] = new Array<Prediction | undefined>(n);
        const ids: (string | undefined)[] = new Array<string | undefined>(n);
        const warnings: string[] = [];
        let features: FeatureColumns | null = null;
        if (passed.length > 0) {
          const release = this.deps.host.hold(served);
          const options = {
            ...this.callOptions(served, req, notes),
            warn: (message: string) => warnings.push(message),
          };
          const each = await predictEach(
            (records) => runtime.predict(records as RecordValue[], options),
            passed,
          ).finally(release);
          // What the model refused joins what validation refused; the rest is scored.
          let kept = { records: passed, indexes, scored: each.predictions as Prediction[] };
          if (each.refused.length > 0) {
            const out = new Set(each.refused.map((r) => r.index));
            const keep = (_: unknown, k: number) => !out.has(k);
            kept = {
              records: passed.filter(keep),
              indexes: indexes.filter(keep),
              scored: each.predictions.filter(keep) as Prediction[],
            };
            for (const r of each.refused) rejected.push({ ...r, index: indexes[r.index]! });
            rejected.sort((a, b) => a.index - b.index);
            notes.input = kept.records;
          }
          const { scored } = kept;
          notes.output = scored;
          const scoredIds = kept.indexes.map((i) => `${req.requestId}:${i}`);
          kept.indexes.forEach((i, k) => {
            predictions[i] = scored[k];
            ids[i] = scoredIds[k];
          });
          const observed = observeCall(
            { call: req.requestId, index: kept.indexes },
            kept.records,
            scored,
            served.monitor.features,
            served.monitor.view,
            this.deps.recordInputs,
          );
          if (req.driftAtCheckpoints) {
            const taken = withoutFeatures(observed);
            notes.monitored = taken.call;
            features = taken.features;
          } else notes.monitored = observed;
        }
        return {
          version: served.version,
          signature: served.signature,
          predictions,
          ids,
          rejected,
          warnings,
          features,
        };
      },
    );
  }

  /**
   * How a batch job may score a version's chunks as tensors (batch/tensor-chunks.ts);
   * undefined when its runtime takes records only.
   */
  async tensorScoring(
    caller: Omit<Caller, 'requestId' | 'signal'>,
  ): Promise<TensorScoring | undefined> {
    const record = await this.authorize(caller.name, caller.token, caller.header?.(USER_HEADER));
    const { served } = await this.target(record, caller.version);
    const runtime = served.runtime;
    const tensors = runtime.kind === 'model' ? runtime.tensorPlan?.() : undefined;
    if (!tensors || runtime.kind !== 'model' || !runtime.predictTensors) return undefined;
    return {
      version: served.version,
      signature: served.signature,
      tensors,
      unknownFields: served.options.unknownFields,
      config: served.config,
      recordInputs: this.deps.recordInputs,
    };
  }

  /**
   * A batch job's chunk as tensors (see `tensorScoring`): what `score` does for records —
   * one run of the model, the call logged once (protocol `batch`) with the monitor's part —
   * where the job's thread has validated and stacked the records and makes the monitor's
   * part from the outputs. Prediction ids are `<requestId>:<index>`, as `score` makes them.
   */
  scoreTensors(req: TensorScoreRequest): Promise<TensorScoreResult> {
    return this.serve(
      req,
      () => req.via,
      async (target, notes) => {
        const { served } = target;
        const runtime = scoringModel(served, req.name);
        if (!runtime.predictTensors || !runtime.tensorPlan?.())
          throw new InvalidInputError(
            `deployment ${req.name} version ${served.version} does not take tensors: score its records`,
            undefined,
            'not_tensors',
          );
        notes.ignored = req.ignored;
        notes.withheld = BATCH_WITHHELD;
        if (!req.feeds) return { version: served.version, outputs: undefined };
        const release = this.deps.host.hold(served);
        const outputs = await runtime
          .predictTensors(req.feeds, this.callOptions(served, req, notes))
          .finally(release);
        notes.monitored = await req.observe(outputs);
        return { version: served.version, outputs };
      },
    );
  }

  /** The deployment (or one version of it) as callers may see it; loads it when needed. */
  async describe(caller: Omit<Caller, 'requestId' | 'signal'>): Promise<DeploymentView> {
    const record = await this.authorize(caller.name, caller.token, caller.header?.(USER_HEADER));
    const target = await this.target(record, caller.version);
    const versions = (await this.deps.repo.versions(record.name)).map((v) => v.version);
    return {
      name: record.name,
      version: target.served.version,
      format: target.served.runtime.format,
      versions,
      signature: target.served.signature,
      timeoutMs: target.served.options.timeoutMs,
    };
  }

  /**
   * Finds the deployment and checks the caller may call it: a public deployment, the admin
   * token, or this deployment's invoke key. 401 before 404, so names do not leak to strangers.
   */
  async authorize(
    name: string,
    token: string | undefined,
    asserted?: string,
  ): Promise<DeploymentRecord> {
    return this.admit(name, await this.deps.catalog.get(name), token, asserted);
  }

  private async admit(
    name: string,
    record: DeploymentRecord | undefined,
    token: string | undefined,
    asserted?: string,
  ): Promise<DeploymentRecord> {
    if (record?.public) return record;
    if (!token)
      throw new UnauthorizedError(
        `deployment ${name} needs a key: send "Authorization: Bearer <invoke key>"`,
      );
    if (sameSecret(token, this.deps.adminToken)) {
      if (!record) throw new NotFoundError(`deployment ${name}`);
      return record;
    }
    // A user of the management API (through the Jupyter server's proxy, or a personal token)
    // who may read deployments may call them.
    const principal = await this.deps.principal?.({ token, asserted });
    if (principal) {
      if (!holds(principal, 'read'))
        throw new ForbiddenError(
          `${actorOf(principal)} may not call deployment ${name}: it needs the "read" permission`,
          'read',
        );
      if (!record) throw new NotFoundError(`deployment ${name}`);
      return record;
    }
    const owner = await this.deps.catalog.keyOwner(token);
    if (owner !== name) throw new UnauthorizedError(`the key is not valid for deployment ${name}`);
    if (!record) throw new NotFoundError(`deployment ${name}`);
    return record;
  }

  /**
   * Runs one call and logs it whatever happens: refused callers (401), bad bodies (4xx), model
   * failures (5xx) and callers who went away (499) alike, for every runtime. Only a call of a
   * deployment that does not exist leaves no row. Work that sets `notes.held` logs the call
   * itself, later (an asynchronous run).
   */
  private async serve<T>(
    caller: Caller,
    /** The protocol a call is logged under, from the format of the version that answers it. */
    protocolOf: (format: string) => Protocol,
    work: (target: Target, notes: CallNotes) => Promise<T>,
  ): Promise<T> {
    const notes: CallNotes = {
      protocol: 'records',
      started: performance.now(),
      version: 0,
      input: null,
      output: null,
      ignored: [],
      held: false,
      cold: false,
    };
    let record: DeploymentRecord | undefined;
    let result: T;
    try {
      record = await this.deps.catalog.get(caller.name);
      if (record) {
        notes.protocol = protocolOf(record.live.format);
        notes.version = record.liveVersion;
      }
      const admitted = await this.admit(
        caller.name,
        record,
        caller.token,
        caller.header?.(USER_HEADER),
      );
      // A call that names no version goes where the split sends it (a refused one never gets here).
      let version = caller.version;
      if (version === undefined && admitted.traffic) {
        version = pickVersion(admitted.name, admitted.traffic, caller.header, this.random);
        notes.version = version;
      }
      const target = await this.target(admitted, version);
      if (target.coldStartMs !== undefined) {
        notes.cold = true;
        notes.coldStartMs = target.coldStartMs;
      }
      notes.version = target.served.version;
      notes.protocol = protocolOf(target.served.runtime.format);
      result = await work(target, notes);
    } catch (err) {
      // The refusal is answered only once it is in the log, as every answer is.
      if (record) await this.logCall(caller, notes, describeFailure(err, caller.signal));
      throw err;
    }
    if (!notes.held) await this.logCall(caller, notes, { status: 200, error: null });
    return result;
  }

  private async predict<Meta>(
    caller: Caller,
    target: Target,
    runtime: ModelRuntime,
    codec: RequestCodec<Meta>,
    readBody: () => Promise<RequestBody>,
    notes: CallNotes,
  ): Promise<InferResult<Meta>> {
    const { served } = target;
    const validated = await this.decode(await readBody(), codec, served, notes);
    const meta = validated.meta;
    notes.ignored = validated.ignored;
    const release = this.deps.host.hold(served);
    const warnings: string[] = [];
    const predictions = await runtime
      .predict(validated.records, {
        ...this.callOptions(served, caller, notes),
        warn: (message) => warnings.push(message),
      })
      .finally(release);
    // The worker's reply as it came, when the predictions are that reply: not written again.
    const replied = knownJson(predictions);
    notes.output = replied === undefined ? predictions : new RawJson(replied);
    this.shadows.send(target.record, served.version, validated.records);
    const id = caller.requestId;
    const ids = predictions.length === 1 ? [id] : predictions.map((_, i) => `${id}:${i}`);
    notes.monitored = observeCall(
      { call: id, index: predictions.length === 1 ? null : predictions.map((_, i) => i) },
      validated.records,
      predictions,
      served.monitor.features,
      served.monitor.view,
      this.deps.recordInputs,
    );
    return {
      id,
      ids,
      version: served.version,
      predictions,
      signature: served.signature,
      meta,
      ignoredFields: validated.ignored,
      warnings,
      cold: notes.cold,
    };
  }

  /**
   * A body's records, decoded and validated: on the event loop for a parsed body, on a worker
   * thread for a large one (parsing and decoding megabytes would hold every other call).
   */
  private async decode<Meta>(
    body: RequestBody,
    codec: RequestCodec<Meta>,
    served: Served,
    notes: CallNotes,
  ): Promise<{ records: RecordValue[]; meta: Meta; ignored: readonly string[] }> {
    if ('json' in body) {
      // The text as it came, when there is one: writing the value out again would cost as much.
      notes.input = body.raw ? new RawJson(body.raw) : body.json;
      const { records, meta } = codec.decode(body.json, served.signature);
      return { ...served.validate(records), meta };
    }
    const decoded = await decodeRecordsOffThread({
      jsonBytes: body.jsonBytes,
      protocol: codec.protocol,
      maxBatch: codec.maxBatch,
      signature: served.signature,
      unknownFields: served.options.unknownFields,
    });
    // Valid JSON, as parsed: the log keeps the text as it came, without writing it again.
    notes.input = new RawJson(body.jsonBytes);
    return { records: decoded.records, meta: decoded.meta as Meta, ignored: decoded.ignored };
  }

  /**
   * One notebook run under the call's id: parameters are checked before a run record exists
   * (also for asynchronous calls), then the run is recorded, executed and finished. A
   * synchronous run belongs to its caller and ends when the caller goes away; an asynchronous
   * one outlives the request that started it, and its invocation row is written when it ends.
   */
  private async run(
    req: FunctionRequest,
    target: Target,
    runtime: NotebookRuntime,
    notes: CallNotes,
  ): Promise<RunResult> {
    const { served, record } = target;
    const id = req.requestId;
    const input = await req.parameters();
    notes.input = input;
    const taken = runParameters(input, served.signature, served.validate, runtime);
    notes.input = taken.given;
    notes.ignored = taken.ignored;
    if (req.callbackUrl !== undefined) checkCallbackUrl(req.callbackUrl, this.deps.callbackOrigins);
    const { runs } = this.deps;
    await runs.start({
      id,
      name: record.name,
      version: served.version,
      parameters: taken.given,
      warnings: taken.warnings,
      callbackUrl: req.callbackUrl,
    });
    const base = {
      id,
      version: served.version,
      ignoredFields: taken.ignored,
      warnings: taken.warnings,
    };

    const execute = async (signal?: AbortSignal) => {
      const release = this.deps.host.hold(served);
      try {
        const run = await runtime.run(
          taken.passed,
          this.callOptions(served, { requestId: id, signal }, notes),
          taken.text,
        );
        notes.output = run.outputs;
        notes.cold ||= run.cold;
        if (served.monitor.view.task !== null && taken.monitored)
          notes.monitored = observeCall(
            { call: id, index: null },
            [taken.monitored],
            [run.outputs],
            served.monitor.features,
            served.monitor.view,
            this.deps.recordInputs,
          );
        await runs.succeeded(id, run);
        return run;
      } catch (err) {
        await runs.failed(id, err, signal);
        // Every error of a run says where to read it, the executed notebook included.
        throw new NotebookRunError(err, runLinks(this.deps.publicUrl, record.name, id));
      } finally {
        release();
        if (req.callbackUrl)
          runs
            .callBack(record.name, id, req.callbackUrl)
            .catch((err: unknown) => this.deps.reportError?.(err));
      }
    };

    if (!req.async) return { status: 'succeeded', ...base, ...(await execute(req.signal)) };
    notes.held = true;
    execute()
      .then(
        () => this.logCall(req, notes, { status: 200, error: null }),
        (err: unknown) => this.logCall(req, notes, describeFailure(err)),
      )
      .catch((err: unknown) => this.deps.reportError?.(err));
    return {
      status: 'running',
      ...base,
      statusUrl: runUrls(this.deps.publicUrl, record.name, id).statusUrl,
    };
  }

  /** The live version, or `version` when given; loads it when it is not in memory. */
  private async target(record: DeploymentRecord, version?: number): Promise<Target> {
    if (
      version !== undefined &&
      !(Number.isInteger(version) && version >= 1 && version <= MAX_VERSION)
    )
      throw new InvalidInputError(
        `version: expected a positive integer up to ${MAX_VERSION}`,
        'version',
      );
    const v = version ?? record.liveVersion;
    const warm = this.deps.host.peek(record.name, v);
    if (warm) return { record, served: warm };
    const waited = performance.now();
    const versionRecord =
      v === record.liveVersion ? record.live : await this.deps.repo.version(record.name, v);
    if (!versionRecord) throw new NotFoundError(`version ${v} of deployment ${record.name}`);
    const served = await this.deps.host.acquire(versionRecord, record.pool);
    return { record, served, coldStartMs: performance.now() - waited };
  }

  /**
   * The runtime's options for one call: its id, the version's timeout, the caller's signal,
   * and where a wait for a replica that started for it is noted as a cold start.
   */
  private callOptions(
    served: Served,
    caller: Pick<Caller, 'requestId' | 'signal'>,
    notes: CallNotes,
  ): CallOptions {
    return {
      requestId: caller.requestId,
      version: served.version,
      timeoutMs: served.options.timeoutMs,
      signal: caller.signal,
      coldStart: (waitedMs) => {
        notes.cold = true;
        notes.coldStartMs = (notes.coldStartMs ?? 0) + waitedMs;
      },
    };
  }

  /**
   * Writes the call's row to the log, durably: an answer goes out only for a call that is in
   * the log. A log that cannot take it (its disk is full) makes the call a 503.
   */
  private async logCall(
    caller: Caller,
    notes: CallNotes,
    outcome: { status: number; error: { code: string; message: string } | null },
  ): Promise<void> {
    const keep = this.deps.recordInputs;
    const latencyMs = performance.now() - notes.started;
    await this.deps.log
      .record({
        id: caller.requestId,
        deploymentName: caller.name,
        version: notes.version,
        time: new Date(),
        latencyMs,
        status: outcome.status,
        protocol: notes.protocol,
        input: keep && !notes.withheld ? notes.input : null,
        output: keep && !notes.withheld && outcome.error === null ? notes.output : null,
        ...(notes.withheld !== undefined && { truncated: notes.withheld }),
        error: outcome.error,
        // The monitor counts names: a hostile body's 200,000 of them would only bloat the row.
        ignoredFields: notes.ignored.length > 0 ? notes.ignored.slice(0, 100) : null,
        monitored: outcome.error === null ? notes.monitored : null,
      })
      .catch((err: unknown) => {
        throw new UnavailableError(
          'the call could not be recorded in the invocation log; try again',
          'log_unavailable',
          5,
          { cause: err },
        );
      });
    this.deps.onCall?.({
      name: caller.name,
      version: notes.version,
      status: outcome.status,
      latencyMs,
      cold: notes.cold,
      coldStartMs: notes.coldStartMs,
    });
  }
}

/** The version's model, to score records or tensors with; a notebook is a 400. */
function scoringModel(served: Served, name: string): ModelRuntime {
  const runtime = served.runtime;
  if (runtime.kind !== 'model')
    throw new InvalidInputError(
      `deployment ${name} is a notebook: it takes parameters, not records to score`,
      undefined,
      'not_a_model',
    );
  return runtime;
}
