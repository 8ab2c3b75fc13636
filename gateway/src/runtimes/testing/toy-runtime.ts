import { PredictionFailedError } from '../../errors.js';
import type { Format } from '../../protocol/deployments.js';
import type { Signature } from '../../protocol/signature.js';
import type { CallOptions, ModelRuntime, RuntimeFactory, RuntimeSpec } from '../types.js';
import { readToyArtifact } from './toy-artifact.js';

/**
 * A toy model for exercising the data plane's edges, as MLServer's test models do.
 * Its artifact is JSON: `{"toy": "sum", "delayMs"?: n, "failWhen"?: number}` — it adds
 * inputs `a` and `b`, waits `delayMs`, and fails when `a` equals `failWhen`. `inputs` renames
 * the two inputs it adds and `optional` declares inputs a record may leave out (and that it
 * ignores), so tests can publish models of other signatures.
 */
export interface ToyArtifact {
  toy: 'sum';
  delayMs?: number;
  failWhen?: number;
  inputs?: [string, string];
  optional?: string[];
}

function toySignature(model: ToyArtifact): Signature {
  const [a, b] = model.inputs ?? ['a', 'b'];
  return {
    inputs: [
      { name: a, type: 'float64', shape: [] },
      { name: b, type: 'float64', shape: [] },
      ...(model.optional ?? []).map((name) => ({
        name,
        type: 'float64' as const,
        shape: [],
        required: false,
      })),
    ],
    outputs: [{ name: 'sum', type: 'float64', shape: [] }],
  };
}

class ToyRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  private model: ToyArtifact | undefined;
  constructor(
    readonly format: Format,
    private readonly spec: RuntimeSpec,
  ) {}

  async load(): Promise<void> {
    this.model ??= await readToyArtifact(
      this.spec.artifact.path,
      'toy model',
      '{"toy":"sum"}',
      (j) => ((j as ToyArtifact | null)?.toy === 'sum' ? (j as ToyArtifact) : undefined),
    );
  }

  signature(): Signature {
    return toySignature(this.model ?? { toy: 'sum' });
  }

  async predict(records: Record<string, unknown>[], _options: CallOptions) {
    if (!this.model) await this.load();
    const model = this.model!;
    const [a, b] = model.inputs ?? ['a', 'b'];
    if (model.delayMs) await new Promise((r) => setTimeout(r, model.delayMs));
    return records.map((r) => {
      if (model.failWhen !== undefined && r[a] === model.failWhen)
        throw new PredictionFailedError(`toy model refuses ${a}=${model.failWhen}`);
      return { sum: (r[a] as number) + (r[b] as number) };
    });
  }

  async unload(): Promise<void> {
    this.model = undefined;
  }
}

/**
 * The toy's own format name. Not one of the public formats on purpose: every public one has a
 * real runtime now, and a toy registered under one of them would replace it in tests.
 * It is reachable only by detection (`*.toy.json`), never through the publish `format` field.
 */
export const TOY_FORMAT = 'toy' as Format;

/** A factory for toy models that answers to `format`. */
export function toyRuntimeFactory(format: Format = TOY_FORMAT): RuntimeFactory<ModelRuntime> {
  return {
    format,
    kind: 'model',
    detect: ({ filename }) => filename?.endsWith('.toy.json') ?? false,
    create: (spec) => new ToyRuntime(format, spec),
  };
}
