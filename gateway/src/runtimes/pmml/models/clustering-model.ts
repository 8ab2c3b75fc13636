import { UnusableArtifactError } from '../../../errors.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import { attr, enumAttr, numAttr, parseArray, type Getter } from '../values.js';
import { child, childrenNamed } from '../xml.js';

type Measure = 'euclidean' | 'squaredEuclidean' | 'cityBlock' | 'chebychev' | 'minkowski';

/**
 * ClusteringModel (center-based, distance measures): the record goes to the nearest cluster
 * centre. A missing field is left out and the sum scaled by the share of weight left, as the
 * PMML specification's adjustment does. Affinity per cluster is the distance to its centre.
 */
export function compileClustering({ el, scope, functionName }: ModelCompileInput): CompiledCore {
  if (functionName !== 'clustering')
    throw new UnusableArtifactError('ClusteringModel must have functionName="clustering"');
  enumAttr(el, 'modelClass', ['centerBased'], 'centerBased');
  if (child(el, 'MissingValueWeights'))
    throw new UnusableArtifactError('MissingValueWeights in ClusteringModel is not supported');
  const cm = child(el, 'ComparisonMeasure');
  if (!cm) throw new UnusableArtifactError('ClusteringModel has no ComparisonMeasure');
  enumAttr(cm, 'kind', ['distance'], 'distance');
  enumAttr(cm, 'compareFunction', ['absDiff'], 'absDiff');
  const measureEl = cm.children.find((c) => c.name !== 'Extension');
  if (!measureEl) throw new UnusableArtifactError('ComparisonMeasure has no measure');
  const measures: Measure[] = [
    'euclidean',
    'squaredEuclidean',
    'cityBlock',
    'chebychev',
    'minkowski',
  ];
  if (!(measures as string[]).includes(measureEl.name))
    throw new UnusableArtifactError(`ComparisonMeasure ${measureEl.name} is not supported`);
  const measure = measureEl.name as Measure;
  const p = measure === 'minkowski' ? numAttr(measureEl, 'p-parameter') : 2;

  const fields = childrenNamed(el, 'ClusteringField').filter(
    (f) => f.attrs.isCenterField !== 'false',
  );
  const getters: Getter[] = [];
  const weights: number[] = [];
  for (const f of fields) {
    if (f.attrs.compareFunction !== undefined && f.attrs.compareFunction !== 'absDiff')
      throw new UnusableArtifactError(
        `ClusteringField "${f.attrs.field}": compareFunction="${f.attrs.compareFunction}" is not supported`,
      );
    getters.push(scope.require(attr(f, 'field'), 'ClusteringField').get);
    weights.push(numAttr(f, 'fieldWeight', 1));
  }
  const n = getters.length;
  const clusters = childrenNamed(el, 'Cluster').map((c, i) => {
    const arr = child(c, 'Array');
    if (!arr) throw new UnusableArtifactError(`Cluster ${i + 1} has no centre Array`);
    const center = Float64Array.from(parseArray(arr, 'double') as number[]);
    if (center.length !== n)
      throw new UnusableArtifactError(
        `Cluster ${i + 1} has ${center.length} coordinates for ${n} clustering fields`,
      );
    const id = c.attrs.id ?? String(i + 1);
    return { id, name: c.attrs.name ?? id, center };
  });
  if (clusters.length === 0) throw new UnusableArtifactError('ClusteringModel has no Cluster');
  const totalWeight = weights.reduce((s, w) => s + w, 0);

  return {
    categories: clusters.map((c) => c.id),
    score: (env) => {
      const x = new Float64Array(n);
      const present = new Uint8Array(n);
      let presentWeight = 0;
      for (let i = 0; i < n; i++) {
        const v = getters[i]!(env);
        if (v === null) continue;
        x[i] = v as number;
        present[i] = 1;
        presentWeight += weights[i]!;
      }
      if (presentWeight === 0) return MISSING_RESULT;
      const adjust = totalWeight / presentWeight;
      const affinities = new Map<string, number>();
      let best = -1;
      let bestD = Number.POSITIVE_INFINITY;
      clusters.forEach((c, ci) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          if (!present[i]) continue;
          const d = Math.abs(x[i]! - c.center[i]!);
          const w = weights[i]!;
          if (measure === 'euclidean' || measure === 'squaredEuclidean') acc += w * d * d;
          else if (measure === 'cityBlock') acc += w * d;
          else if (measure === 'chebychev') acc = Math.max(acc, w * d);
          else acc += w * Math.pow(d, p);
        }
        acc *= adjust;
        const dist =
          measure === 'euclidean'
            ? Math.sqrt(acc)
            : measure === 'minkowski'
              ? Math.pow(acc, 1 / p)
              : acc;
        affinities.set(c.id, dist);
        if (dist < bestD) {
          bestD = dist;
          best = ci;
        }
      });
      const c = clusters[best]!;
      return {
        value: c.id,
        entityId: c.id,
        displayValue: c.name,
        clusterIndex: best + 1,
        affinities,
      };
    },
  };
}
