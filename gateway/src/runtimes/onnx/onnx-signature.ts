import type { InferenceSession } from 'onnxruntime-node';
import { UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, Signature } from '../../protocol/signature.js';
import type { ClassLabels } from './class-labels.js';
import { ELEMENT_TYPES, type InputPlan, type OutputPlan } from './tensors.js';

/** Everything a loaded model needs to serve, worked out once from the session's metadata. */
export interface ModelPlan {
  inputs: InputPlan[];
  outputs: OutputPlan[];
  /** Output names to fetch, in signature order. */
  fetches: string[];
  signature: Signature;
  /** The batch size every run must have, when the model fixes it (e.g. 1); else undefined. */
  fixedBatch: number | undefined;
  /** Outputs left out, and why, for the publisher. */
  warnings: string[];
}

/** Symbolic ('N', 'batch') and unknown ('') dimensions are free. */
const dim = (d: number | string): number | null => (typeof d === 'number' && d > 0 ? d : null);

type Metadata = readonly InferenceSession.ValueMetadata[];

/**
 * Maps onnxruntime's input/output metadata to the deployment's signature and the plans that
 * stack and read tensors. Shapes drop the leading batch dimension. onnxruntime shows an
 * undeclared shape as `[]`, like a scalar: with no batch dimension to drop, such a field's shape
 * is left out of the signature (any shape). Throws `UnusableArtifactError` for inputs that
 * cannot be fed.
 */
export function planModel(
  meta: { inputMetadata: Metadata; outputMetadata: Metadata },
  labels: ClassLabels,
): ModelPlan {
  let fixedBatch: number | undefined;
  const inputs = meta.inputMetadata.map((m): InputPlan => {
    if (!m.isTensor)
      throw new UnusableArtifactError(
        `input ${m.name} is not a tensor (a sequence or map); only tensor inputs can be served`,
      );
    const known = ELEMENT_TYPES.get(m.type);
    if (!known)
      throw new UnusableArtifactError(
        `input ${m.name} has element type ${m.type}, which Slipway cannot feed; export it as float32, float64, an integer type, bool or string`,
      );
    const batch = m.shape.length > 0 ? dim(m.shape[0]!) : null;
    if (batch !== null) fixedBatch = Math.min(fixedBatch ?? batch, batch);
    const dims = m.shape.length > 0 ? m.shape.slice(1).map(dim) : undefined;
    const fixed = dims?.every((d) => d !== null);
    return {
      name: m.name,
      tensorType: m.type,
      element: known.element,
      dims,
      width: fixed ? (dims as number[]).reduce((a, b) => a * b, 1) : undefined,
    };
  });

  const outputs: OutputPlan[] = [];
  const outputSpecs: FieldSpec[] = [];
  const warnings: string[] = [];
  for (const m of meta.outputMetadata) {
    if (!m.isTensor) {
      warnings.push(`output ${m.name} is not a tensor (a sequence or map) and is not served`);
      continue;
    }
    const known = ELEMENT_TYPES.get(m.type);
    if (!known) {
      warnings.push(`output ${m.name} has element type ${m.type} and is not served`);
      continue;
    }
    const perRecord = m.shape.length > 0 ? m.shape.slice(1).map(dim) : undefined;
    const classes = labels.get(m.name);
    if (classes && perRecord?.length === 1 && perRecord[0] === classes.length) {
      outputs.push({
        name: m.name,
        tensorType: m.type,
        element: known.element,
        keys: classes.map(String),
        shape: 'declared',
      });
      outputSpecs.push({
        name: m.name,
        type: known.type,
        shape: [classes.length],
        values: classes,
      });
      continue;
    }
    if (classes)
      warnings.push(
        `output ${m.name}: its ${classes.length} class labels do not match its shape, so it is served without them`,
      );
    const scalar =
      perRecord !== undefined &&
      (perRecord.length === 0 || (perRecord.length === 1 && perRecord[0] === 1));
    outputs.push({
      name: m.name,
      tensorType: m.type,
      element: known.element,
      shape: perRecord === undefined ? 'undeclared' : scalar ? 'scalar' : 'declared',
    });
    outputSpecs.push(
      perRecord === undefined
        ? { name: m.name, type: known.type }
        : { name: m.name, type: known.type, shape: scalar ? [] : perRecord },
    );
  }
  if (outputs.length === 0)
    throw new UnusableArtifactError(
      `the model has no tensor output to serve (${warnings.join('; ') || 'no outputs'})`,
    );

  return {
    inputs,
    outputs,
    fetches: outputs.map((o) => o.name),
    signature: {
      inputs: inputs.map((i) => ({
        name: i.name,
        type: ELEMENT_TYPES.get(i.tensorType)!.type,
        ...(i.dims ? { shape: i.dims } : {}),
      })),
      outputs: outputSpecs,
    },
    fixedBatch,
    warnings,
  };
}
