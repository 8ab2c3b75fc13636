import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { PredictionFailedError, UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, Signature } from '../../protocol/signature.js';
import type {
  ModelRuntime,
  PredictOptions,
  Prediction,
  RuntimeContext,
  RuntimeSpec,
} from '../types.js';
import { ELEMENT_TYPES, sliceOutput, stackInput, type InputPlan } from './tensors.js';
import { unzipMapOutputs, type ClassLabels } from './zipmap.js';

interface Loaded {
  session: ort.InferenceSession;
  inputs: InputPlan[];
  outputNames: string[];
  labels: ClassLabels;
  signature: Signature;
  /** Most records one `session.run` takes: a model with a fixed batch dimension takes that many. */
  maxRun: number;
}

/** An ONNX model served in-process by onnxruntime-node. */
export class OnnxRuntime implements ModelRuntime {
  readonly format = 'onnx' as const;
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly ctx: RuntimeContext,
  ) {}

  async load(): Promise<void> {
    if (this.loaded) return;
    this.loading ??= this.open().finally(() => (this.loading = undefined));
    this.loaded = await this.loading;
  }

  signature(): Signature {
    if (!this.loaded) throw new PredictionFailedError('ONNX model is not loaded');
    return this.loaded.signature;
  }

  async predict(
    records: Record<string, unknown>[],
    _options: PredictOptions,
  ): Promise<Prediction[]> {
    if (!this.loaded) await this.load();
    const m = this.loaded!;
    if (records.length <= m.maxRun) return this.run(m, records);
    const out: Prediction[] = [];
    for (let i = 0; i < records.length; i += m.maxRun)
      out.push(...(await this.run(m, records.slice(i, i + m.maxRun))));
    return out;
  }

  async unload(): Promise<void> {
    const m = this.loaded;
    this.loaded = undefined;
    await m?.session.release();
  }

  private async run(m: Loaded, records: Record<string, unknown>[]): Promise<Prediction[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const plan of m.inputs) feeds[plan.name] = stackInput(plan, records);
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await m.session.run(feeds, m.outputNames);
    } catch (err) {
      throw new PredictionFailedError(
        `onnxruntime failed: ${(err as Error).message}`,
        'prediction_failed',
        { cause: err },
      );
    }
    const predictions: Prediction[] = new Array(records.length);
    for (let r = 0; r < records.length; r++) {
      const p: Record<string, unknown> = {};
      for (const name of m.outputNames)
        p[name] = sliceOutput(results[name] as ort.Tensor, r, m.labels.get(name));
      predictions[r] = p;
    }
    return predictions;
  }

  private async open(): Promise<Loaded> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.spec.artifact.path);
    } catch (err) {
      throw new UnusableArtifactError(`cannot read the artifact: ${(err as Error).message}`);
    }
    let labels: ClassLabels = new Map();
    try {
      const rewritten = unzipMapOutputs(bytes);
      if (rewritten) ({ bytes, labels } = rewritten);
    } catch {
      // Not decodable as a ModelProto: let onnxruntime give its own reason below.
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: this.ctx.executionProviders ?? ['cpu'],
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new UnusableArtifactError(
        `not a loadable ONNX model: ${(err as Error).message}`,
        'unusable_artifact',
        { cause: err },
      );
    }
    try {
      return describe(session, labels);
    } catch (err) {
      await session.release();
      throw err;
    }
  }
}

function describe(session: ort.InferenceSession, labels: ClassLabels): Loaded {
  let maxRun = Number.POSITIVE_INFINITY;
  const inputs: InputPlan[] = session.inputMetadata.map((meta) => {
    if (!meta.isTensor)
      throw new UnusableArtifactError(
        `input ${meta.name} is not a tensor; only tensor inputs are served`,
      );
    const info = ELEMENT_TYPES[meta.type];
    if (!info)
      throw new UnusableArtifactError(
        `input ${meta.name} has element type ${meta.type}, which is not served`,
      );
    if (meta.shape.length === 0)
      throw new UnusableArtifactError(
        `input ${meta.name} is a scalar with no batch dimension; export the model with a batch dimension`,
      );
    const batch = meta.shape[0];
    if (typeof batch === 'number' && batch > 0) maxRun = Math.min(maxRun, batch);
    const spec: FieldSpec = {
      name: meta.name,
      type: info.type,
      shape: meta.shape.slice(1).map(dim),
    };
    return { name: meta.name, onnxType: meta.type, spec };
  });
  const outputs: FieldSpec[] = [];
  const outputNames: string[] = [];
  for (const meta of session.outputMetadata) {
    // Non-tensor outputs left after the ZipMap rewrite cannot be fetched; serve the rest.
    if (!meta.isTensor) continue;
    const info = ELEMENT_TYPES[meta.type];
    if (!info) continue;
    outputNames.push(meta.name);
    const classes = labels.get(meta.name);
    const perRecord = meta.shape.slice(1).map(dim);
    const squeezed = perRecord.length === 1 && perRecord[0] === 1 ? [] : perRecord;
    outputs.push(
      classes
        ? { name: meta.name, type: info.type, shape: [classes.length], values: classes }
        : { name: meta.name, type: info.type, shape: squeezed },
    );
  }
  if (outputNames.length === 0)
    throw new UnusableArtifactError('the model has no tensor output to serve');
  return {
    session,
    inputs,
    outputNames,
    labels,
    signature: { inputs: inputs.map((i) => i.spec), outputs },
    maxRun,
  };
}

/** Symbolic or unknown dimensions are free (null). */
function dim(d: number | string): number | null {
  return typeof d === 'number' && d > 0 ? d : null;
}
