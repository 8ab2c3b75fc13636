import { UnusableArtifactError } from '../../../errors.js';
import { enumAttr, numAttr } from '../values.js';
import type { XmlElement } from '../xml.js';

type Measure = 'euclidean' | 'squaredEuclidean' | 'cityBlock' | 'chebychev' | 'minkowski';
const MEASURES: readonly string[] = [
  'euclidean',
  'squaredEuclidean',
  'cityBlock',
  'chebychev',
  'minkowski',
];

/**
 * A distance between a record and a point (a cluster centre, a training instance) over n fields:
 * `x` the record's values, `present` which of them are not missing, `adjust` the missing-value
 * adjustment (1 when none is missing).
 */
export type Distance = (
  x: Float64Array,
  present: Uint8Array,
  adjust: number,
  point: Float64Array,
) => number;

/**
 * A `ComparisonMeasure` of kind "distance" as a function, field weights applied: the PMML
 * specification's (and JPMML-Evaluator's) sum over the fields present, scaled by the
 * missing-value adjustment before the root is taken. Similarity measures are refused.
 */
export function compileDistance(
  cm: XmlElement | undefined,
  weights: Float64Array,
  owner: string,
): Distance {
  if (!cm) throw new UnusableArtifactError(`${owner} has no ComparisonMeasure`);
  enumAttr(cm, 'kind', ['distance'], 'distance');
  enumAttr(cm, 'compareFunction', ['absDiff'], 'absDiff');
  const measureEl = cm.children.find((c) => c.name !== 'Extension');
  if (!measureEl) throw new UnusableArtifactError('ComparisonMeasure has no measure');
  if (!MEASURES.includes(measureEl.name))
    throw new UnusableArtifactError(`ComparisonMeasure ${measureEl.name} is not supported`);
  const measure = measureEl.name as Measure;
  const n = weights.length;
  switch (measure) {
    case 'euclidean':
    case 'squaredEuclidean': {
      const root = measure === 'euclidean';
      return (x, present, adjust, c) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          if (!present[i]) continue;
          const d = x[i]! - c[i]!;
          acc += weights[i]! * d * d;
        }
        return root ? Math.sqrt(acc * adjust) : acc * adjust;
      };
    }
    case 'cityBlock':
      return (x, present, adjust, c) => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (present[i]) acc += weights[i]! * Math.abs(x[i]! - c[i]!);
        return acc * adjust;
      };
    case 'chebychev':
      return (x, present, adjust, c) => {
        let acc = 0;
        for (let i = 0; i < n; i++)
          if (present[i]) acc = Math.max(acc, weights[i]! * Math.abs(x[i]! - c[i]!));
        return acc * adjust;
      };
    case 'minkowski': {
      const p = numAttr(measureEl, 'p-parameter');
      if (!(p > 0))
        throw new UnusableArtifactError(`minkowski p-parameter="${p}" must be positive`);
      return (x, present, adjust, c) => {
        let acc = 0;
        for (let i = 0; i < n; i++)
          if (present[i]) acc += weights[i]! * Math.pow(Math.abs(x[i]! - c[i]!), p);
        return Math.pow(acc * adjust, 1 / p);
      };
    }
  }
}
