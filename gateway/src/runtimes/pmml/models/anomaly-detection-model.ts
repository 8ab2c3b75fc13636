import { UnusableArtifactError } from '../../../errors.js';
import { isModelElement } from '../model-elements.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import { enumAttr, key, numAttr, parseArray, unusable } from '../values.js';
import { child } from '../xml.js';

type Algorithm = 'iforest' | 'ocsvm' | 'clusterMeanDist';

/** The model element each algorithm wraps, as the PMML specification pairs them. */
const INNER: Record<Algorithm, string> = {
  iforest: 'MiningModel',
  ocsvm: 'SupportVectorMachineModel',
  clusterMeanDist: 'ClusteringModel',
};

/**
 * c(n), the mean path length of an unsuccessful search in a binary tree of n points, with the
 * harmonic number approximated as the PMML specification writes it (ln(x) + 0.57721566).
 */
function averagePathLength(n: number): number {
  return 2 * (Math.log(n - 1) + 0.57721566) - (2 * (n - 1)) / n;
}

/**
 * AnomalyDetectionModel (PMML 4.4): one inner model and a score from its answer. iforest: the
 * inner MiningModel's mean path length E(h) becomes 2^(-E(h)/c(sampleDataSize)); ocsvm: the
 * inner SupportVectorMachineModel's value as it is; clusterMeanDist: the distance to the winning
 * cluster of the inner ClusteringModel over that cluster's MeanClusterDistances entry.
 * algorithmType="other" is refused (the specification gives it no scoring rule).
 */
export function compileAnomalyDetection({
  el,
  scope,
  functionName,
  compileNested,
}: ModelCompileInput): CompiledCore {
  if (functionName !== 'regression')
    throw new UnusableArtifactError('AnomalyDetectionModel must have functionName="regression"');
  if (el.attrs.algorithmType === undefined)
    throw new UnusableArtifactError('AnomalyDetectionModel has no algorithmType');
  const algorithm = enumAttr<Algorithm>(
    el,
    'algorithmType',
    ['iforest', 'ocsvm', 'clusterMeanDist'],
    'iforest',
  );
  const inners = el.children.filter(isModelElement);
  const innerEl = inners[0];
  if (inners.length !== 1 || innerEl!.name !== INNER[algorithm])
    throw unusable(
      el,
      `AnomalyDetectionModel algorithmType="${algorithm}" must hold one ${INNER[algorithm]}`,
    );
  const inner = compileNested(innerEl!, scope, {
    dataType: algorithm === 'clusterMeanDist' ? 'string' : 'double',
  });
  const evaluate = inner.evaluate;

  if (algorithm === 'iforest') {
    const n = numAttr(el, 'sampleDataSize', Number.NaN);
    if (!(Number.isInteger(n) && n >= 2))
      throw new UnusableArtifactError(
        'AnomalyDetectionModel algorithmType="iforest" needs sampleDataSize, an integer of 2 or more',
      );
    const c = averagePathLength(n);
    return {
      score: (env) => {
        const v = evaluate(env).value;
        return v === null ? MISSING_RESULT : { value: Math.pow(2, -(v as number) / c) };
      },
    };
  }
  if (algorithm === 'ocsvm')
    return {
      score: (env) => {
        const v = evaluate(env).value;
        return v === null ? MISSING_RESULT : { value: v };
      },
    };
  const meansEl = child(el, 'MeanClusterDistances');
  const arr = meansEl && child(meansEl, 'Array');
  if (!arr)
    throw new UnusableArtifactError(
      'AnomalyDetectionModel algorithmType="clusterMeanDist" needs MeanClusterDistances',
    );
  const means = parseArray(arr, 'double') as number[];
  const clusters = inner.target.categories?.length ?? 0;
  if (means.length !== clusters)
    throw unusable(
      arr,
      `MeanClusterDistances holds ${means.length} values for ${clusters} clusters`,
    );
  return {
    score: (env) => {
      const r = evaluate(env);
      if (r.clusterIndex === undefined || r.entityId == null) return MISSING_RESULT;
      const d = r.affinities?.get(key(r.entityId));
      return d === undefined ? MISSING_RESULT : { value: d / means[r.clusterIndex - 1]! };
    },
  };
}
