import { UnusableArtifactError } from '../../../errors.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import { attr, enumAttr, numAttr, parseArray, unusable, type Getter } from '../values.js';
import { child, childrenNamed } from '../xml.js';
import { compileDistance } from './distance.js';

/**
 * ClusteringModel (center-based, distance measures): the record goes to the nearest cluster
 * centre. A missing field is left out and the sum scaled by Σq / Σq(present), q being the
 * MissingValueWeights (1 each without them), as the PMML specification's adjustment and
 * JPMML-Evaluator do. Affinity per cluster is the distance to its centre.
 */
export function compileClustering({ el, scope, functionName }: ModelCompileInput): CompiledCore {
  if (functionName !== 'clustering')
    throw new UnusableArtifactError('ClusteringModel must have functionName="clustering"');
  enumAttr(el, 'modelClass', ['centerBased'], 'centerBased');
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
  const distance = compileDistance(
    child(el, 'ComparisonMeasure'),
    Float64Array.from(weights),
    'ClusteringModel',
  );
  const mvw = child(el, 'MissingValueWeights');
  const mvwArray = mvw && child(mvw, 'Array');
  if (mvw && !mvwArray) throw unusable(mvw, 'MissingValueWeights has no Array');
  const q = mvwArray
    ? Float64Array.from(parseArray(mvwArray, 'double') as number[])
    : new Float64Array(n).fill(1);
  if (q.length !== n)
    throw unusable(
      mvw!,
      `MissingValueWeights holds ${q.length} weights for ${n} clustering fields`,
    );
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
  const totalQ = q.reduce((s, w) => s + w, 0);

  return {
    categories: clusters.map((c) => c.id),
    score: (env) => {
      const x = new Float64Array(n);
      const present = new Uint8Array(n);
      let presentQ = 0;
      let any = false;
      for (let i = 0; i < n; i++) {
        const v = getters[i]!(env);
        if (v === null) continue;
        x[i] = v as number;
        present[i] = 1;
        presentQ += q[i]!;
        any = true;
      }
      if (!any) return MISSING_RESULT;
      const adjust = totalQ / presentQ;
      const affinities = new Map<string, number>();
      let best = -1;
      let bestD = Number.POSITIVE_INFINITY;
      clusters.forEach((c, ci) => {
        const dist = distance(x, present, adjust, c.center);
        affinities.set(c.id, dist);
        if (dist < bestD) {
          bestD = dist;
          best = ci;
        }
      });
      if (best < 0) return MISSING_RESULT;
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
