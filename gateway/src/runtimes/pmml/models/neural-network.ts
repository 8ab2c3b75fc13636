import { UnusableArtifactError } from '../../../errors.js';
import { classResult, normalizeScores } from '../classification.js';
import { caster, compileExpression, expressionChild } from '../expressions.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import { denormalizer } from '../transformations.js';
import { attr, dataTypeOf, enumAttr, numAttr, toType, type Getter, type Value } from '../values.js';
import { child, childrenNamed } from '../xml.js';

type Activation = (z: number) => number;

const ACTIVATIONS = [
  'threshold',
  'logistic',
  'tanh',
  'identity',
  'exponential',
  'reciprocal',
  'square',
  'Gauss',
  'sine',
  'cosine',
  'Elliott',
  'arctan',
  'rectifier',
] as const;

function activation(name: (typeof ACTIVATIONS)[number], threshold: number): Activation {
  switch (name) {
    case 'threshold':
      return (z) => (z > threshold ? 1 : 0);
    case 'logistic':
      return (z) => 1 / (1 + Math.exp(-z));
    case 'tanh':
      return Math.tanh;
    case 'identity':
      return (z) => z;
    case 'exponential':
      return Math.exp;
    case 'reciprocal':
      return (z) => 1 / z;
    case 'square':
      return (z) => z * z;
    case 'Gauss':
      return (z) => Math.exp(-(z * z));
    case 'sine':
      return Math.sin;
    case 'cosine':
      return Math.cos;
    case 'Elliott':
      return (z) => z / (1 + Math.abs(z));
    case 'arctan':
      return (z) => (2 * Math.atan(z)) / Math.PI;
    case 'rectifier':
      return (z) => (z > 0 ? z : 0);
  }
}

interface Layer {
  /** Per neuron: indexes of its inputs in the value array, and their weights. */
  readonly from: Int32Array[];
  readonly weights: Float64Array[];
  readonly bias: Float64Array;
  readonly first: number;
  readonly act: Activation;
  readonly normalization: 'none' | 'softmax' | 'simplemax';
}

/**
 * NeuralNetwork: a feed-forward network compiled into flat arrays (neuron values indexed, weights
 * in typed arrays), scored layer by layer.
 */
export function compileNeuralNetwork({
  el,
  scope,
  ctx,
  functionName,
  target,
}: ModelCompileInput): CompiledCore {
  if (functionName === 'clustering')
    throw new UnusableArtifactError(
      'NeuralNetwork with functionName="clustering" is not supported',
    );
  const index = new Map<string, number>();
  const inputs: Getter[] = [];
  const inputsEl = child(el, 'NeuralInputs');
  if (!inputsEl) throw new UnusableArtifactError('NeuralNetwork has no NeuralInputs');
  for (const ni of childrenNamed(inputsEl, 'NeuralInput')) {
    const id = attr(ni, 'id');
    const df = child(ni, 'DerivedField');
    const exprEl = df && expressionChild(df);
    if (!df || !exprEl)
      throw new UnusableArtifactError(`NeuralInput "${id}" has no DerivedField expression`);
    const g = compileExpression(exprEl, scope, ctx, `NeuralInput "${id}"`).get;
    const cast = caster(dataTypeOf(df, 'double'));
    inputs.push((env) => cast(g(env)));
    index.set(id, index.size);
  }
  const netAct = enumAttr(el, 'activationFunction', ACTIVATIONS, 'identity');
  if (el.attrs.activationFunction === undefined)
    throw new UnusableArtifactError('NeuralNetwork has no activationFunction');
  const netThreshold = numAttr(el, 'threshold', 0);
  const netNorm = enumAttr(el, 'normalizationMethod', ['none', 'softmax', 'simplemax'], 'none');
  const layers: Layer[] = [];
  const layerEls = childrenNamed(el, 'NeuralLayer');
  layerEls.forEach((le, li) => {
    if (
      le.attrs.activationFunction === 'radialBasis' ||
      el.attrs.activationFunction === 'radialBasis'
    )
      throw new UnusableArtifactError(
        'NeuralNetwork: activationFunction="radialBasis" is not supported',
      );
    const act = activation(
      enumAttr(le, 'activationFunction', ACTIVATIONS, netAct),
      numAttr(le, 'threshold', netThreshold),
    );
    const layerNorm = enumAttr(le, 'normalizationMethod', ['none', 'softmax', 'simplemax'], 'none');
    // The network's normalisation applies to the output layer, unless that layer has its own.
    const normalization =
      le.attrs.normalizationMethod === undefined && li === layerEls.length - 1
        ? netNorm
        : layerNorm;
    const neurons = childrenNamed(le, 'Neuron');
    const first = index.size;
    const from: Int32Array[] = [];
    const weights: Float64Array[] = [];
    const bias = new Float64Array(neurons.length);
    neurons.forEach((nu, j) => {
      const cons = childrenNamed(nu, 'Con');
      from.push(
        Int32Array.from(cons, (c) => {
          const i = index.get(attr(c, 'from'));
          if (i === undefined || i >= first)
            throw new UnusableArtifactError(
              `Neuron "${nu.attrs.id}": Con from "${c.attrs.from}" is not an earlier neuron`,
            );
          return i;
        }),
      );
      weights.push(Float64Array.from(cons, (c) => numAttr(c, 'weight')));
      bias[j] = numAttr(nu, 'bias', 0);
    });
    neurons.forEach((nu) => index.set(attr(nu, 'id'), index.size));
    layers.push({ from, weights, bias, first, act, normalization });
  });
  const size = index.size;
  const nInputs = inputs.length;

  // What each output neuron means: a category's probability, or the target's (scaled) value.
  const outputsEl = child(el, 'NeuralOutputs');
  if (!outputsEl) throw new UnusableArtifactError('NeuralNetwork has no NeuralOutputs');
  const classOut: { neuron: number; category: Value }[] = [];
  let regressionOut: { neuron: number; map: (y: number) => number } | undefined;
  for (const no of childrenNamed(outputsEl, 'NeuralOutput')) {
    const id = attr(no, 'outputNeuron');
    const neuron = index.get(id);
    if (neuron === undefined)
      throw new UnusableArtifactError(`NeuralOutput: neuron "${id}" does not exist`);
    const exprEl = child(no, 'DerivedField') && expressionChild(child(no, 'DerivedField')!);
    if (!exprEl)
      throw new UnusableArtifactError(`NeuralOutput "${id}" has no DerivedField expression`);
    if (functionName === 'classification') {
      if (exprEl.name !== 'NormDiscrete')
        throw new UnusableArtifactError(
          `NeuralOutput "${id}": ${exprEl.name} for a classification is not supported`,
        );
      const category = toType(attr(exprEl, 'value'), target.dataType) ?? exprEl.attrs.value!;
      classOut.push({ neuron, category });
    } else if (exprEl.name === 'FieldRef') {
      regressionOut = { neuron, map: (y) => y };
    } else if (exprEl.name === 'NormContinuous') {
      regressionOut = { neuron, map: denormalizer(exprEl) };
    } else {
      throw new UnusableArtifactError(
        `NeuralOutput "${id}": ${exprEl.name} for a regression is not supported`,
      );
    }
  }
  if (functionName === 'regression' && !regressionOut)
    throw new UnusableArtifactError('NeuralNetwork: no NeuralOutput gives the target');

  const forward = (values: Float64Array): void => {
    for (const layer of layers) {
      const { from, weights, bias, first, act } = layer;
      for (let j = 0; j < bias.length; j++) {
        const f = from[j]!;
        const w = weights[j]!;
        let z = bias[j]!;
        for (let k = 0; k < f.length; k++) z += w[k]! * values[f[k]!]!;
        values[first + j] = act(z);
      }
      if (layer.normalization !== 'none') {
        const ys = Array.from(values.subarray(first, first + bias.length));
        normalizeScores(layer.normalization, ys);
        values.set(ys, first);
      }
    }
  };
  const run = (env: Parameters<Getter>[0]): Float64Array | null => {
    const values = new Float64Array(size);
    for (let i = 0; i < nInputs; i++) {
      const v = inputs[i]!(env);
      if (v === null) return null;
      values[i] = v as number;
    }
    forward(values);
    return values;
  };
  if (functionName === 'regression') {
    const { neuron, map } = regressionOut!;
    return {
      score: (env) => {
        const values = run(env);
        return values ? { value: map(values[neuron]!) } : MISSING_RESULT;
      },
    };
  }
  const categories = classOut.map((c) => c.category);
  const neurons = classOut.map((c) => c.neuron);
  return {
    categories,
    score: (env) => {
      const values = run(env);
      if (!values) return MISSING_RESULT;
      return classResult(
        categories,
        neurons.map((i) => values[i]!),
      );
    },
  };
}
