/**
 * One feature's drift verdict as Evidently's data-drift report reaches it
 * (legacy/calculations/data_drift.py, stattests/registry.py), and the dataset's.
 */
import type {
  DriftHistogram,
  DriftMethod,
  FeatureDrift,
  FeatureKind,
} from '../../protocol/monitoring.js';
import { binCategories, binNumeric, fillZeroes, type BinnedShares } from './binning.js';
import { chisquare } from './chisquare.js';
import { jensenShannon } from './jensen-shannon.js';
import { ksPValue, ksStatisticSorted } from './ks.js';
import { psi } from './psi.js';
import {
  countSorted,
  countValues,
  distinctSortedUnion,
  sortedNumbers,
  unionOfValues,
  type Counts,
  type RawValue,
} from './samples.js';
import { wassersteinDistanceNormed } from './wasserstein.js';
import { zTest } from './z-test.js';

/** Evidently picks its tests by reference size: at most this many values, the p-value tests. */
export const SMALL_REFERENCE_MAX = 1000;
/** Numeric features with at most this many distinct values (both samples) are tested as categories. */
export const FEW_VALUES_MAX = 5;

/** Evidently's default thresholds: p-values below 0.05, distances at or above 0.1. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};

/** Which methods answer a p-value (drift below the threshold); the others answer a distance. */
const P_VALUE_METHODS = new Set<DriftMethod>(['ks', 'chisquare', 'z']);

/** What `driftTest` answers for one feature: the report's figures, without its name and kind. */
export type DriftVerdict = Omit<FeatureDrift, 'name' | 'kind' | 'statistic'> & {
  /** Infinite for χ² of a category the reference never had (the report says null). */
  statistic: number;
};

export interface DriftTestOptions {
  /** Absent: Evidently's default for the feature's kind and size (`defaultMethod`). */
  method?: DriftMethod;
  /** Absent: the method's default (`DEFAULT_THRESHOLDS`). */
  threshold?: number;
}

/** Both samples, missing values dropped, in the form each kind's tests need. */
type Prepared =
  | { kind: 'numeric'; reference: Float64Array; current: Float64Array }
  | { kind: 'categorical'; reference: Counts; current: Counts };

function prepare(
  reference: ArrayLike<RawValue>,
  current: ArrayLike<RawValue>,
  kind: FeatureKind,
): Prepared {
  const prepared: Prepared =
    kind === 'numeric'
      ? { kind, reference: sortedNumbers(reference), current: sortedNumbers(current) }
      : { kind, reference: countValues(reference), current: countValues(current) };
  const [r, c] =
    prepared.kind === 'numeric'
      ? [prepared.reference.length, prepared.current.length]
      : [prepared.reference.total, prepared.current.total];
  // Evidently refuses an empty column too.
  if (r === 0) throw new RangeError('drift: the reference holds no values for this feature');
  if (c === 0) throw new RangeError('drift: the current window holds no values for this feature');
  return prepared;
}

function chooseMethod(p: Prepared): DriftMethod {
  const size = p.kind === 'numeric' ? p.reference.length : p.reference.total;
  const distinct =
    p.kind === 'numeric'
      ? distinctSortedUnion(p.reference, p.current)
      : unionOfValues(p.reference, p.current).length;
  if (p.kind === 'numeric' && distinct > FEW_VALUES_MAX) {
    return size <= SMALL_REFERENCE_MAX ? 'ks' : 'wasserstein';
  }
  if (size > SMALL_REFERENCE_MAX) return 'jensenshannon';
  return distinct > 2 ? 'chisquare' : 'z';
}

/**
 * Evidently's default test (`_get_default_stattest`): with a reference of at most 1000 values,
 * KS for numeric features and chi-square for categorical ones, the z-test for two values or
 * fewer, and a numeric feature of at most 5 distinct values (both samples) treated as
 * categorical; above 1000, the normed Wasserstein distance for numeric features and
 * Jensen–Shannon for categorical ones and for numeric ones of at most 5 values.
 */
export function defaultMethod(
  reference: ArrayLike<RawValue>,
  current: ArrayLike<RawValue>,
  kind: FeatureKind,
): DriftMethod {
  return chooseMethod(prepare(reference, current, kind));
}

function binned(p: Prepared): BinnedShares {
  return p.kind === 'numeric'
    ? binNumeric(p.reference, p.current)
    : binCategories(p.reference, p.current);
}

function counts(p: Prepared): [Counts, Counts] {
  return p.kind === 'numeric'
    ? [countSorted(p.reference), countSorted(p.current)]
    : [p.reference, p.current];
}

/** The chosen method's statistic and p-value (null for a distance). */
function runMethod(
  method: DriftMethod,
  p: Prepared,
  bins: BinnedShares,
): { statistic: number; pValue: number | null } {
  switch (method) {
    case 'ks': {
      if (p.kind !== 'numeric') throw new RangeError('drift: ks needs a numeric feature');
      const d = ksStatisticSorted(p.reference, p.current);
      return ksPValue(d, p.reference.length, p.current.length);
    }
    case 'wasserstein': {
      if (p.kind !== 'numeric') throw new RangeError('drift: wasserstein needs a numeric feature');
      return { statistic: wassersteinDistanceNormed(p.reference, p.current), pValue: null };
    }
    case 'chisquare': {
      // Evidently's _chi_stat_test: current counts against reference counts scaled to its size.
      const [ref, cur] = counts(p);
      const keys = unionOfValues(ref, cur);
      const scale = cur.total / ref.total;
      const fExp = keys.map((k) => (ref.counts.get(k) ?? 0) * scale);
      const fObs = keys.map((k) => cur.counts.get(k) ?? 0);
      return chisquare(fObs, fExp);
    }
    case 'z':
      return zTest(...counts(p));
    case 'jensenshannon':
      return { statistic: jensenShannon(bins.reference, bins.current), pValue: null };
    case 'psi':
      return {
        statistic: psi(fillZeroes(bins.reference), fillZeroes(bins.current)),
        pValue: null,
      };
  }
}

/**
 * Tests one feature for drift as Evidently's report would: the method given or Evidently's
 * default, its statistic and p-value, the verdict against the threshold (ks: p ≤ threshold;
 * chisquare and z: p < threshold; distances: ≥ threshold), PSI, and the shares per bin.
 * Missing values (null, NaN, ±Infinity) are dropped first, as Evidently drops them; either
 * sample left empty is an error, as in Evidently.
 */
export function driftTest(
  reference: ArrayLike<RawValue>,
  current: ArrayLike<RawValue>,
  kind: FeatureKind,
  options: DriftTestOptions = {},
): DriftVerdict {
  const p = prepare(reference, current, kind);
  const method = options.method ?? chooseMethod(p);
  const threshold = options.threshold ?? DEFAULT_THRESHOLDS[method];
  const bins = binned(p);
  const { statistic, pValue } = runMethod(method, p, bins);
  let drift: boolean;
  if (method === 'ks') drift = pValue! <= threshold;
  else if (P_VALUE_METHODS.has(method)) drift = pValue! < threshold;
  else drift = statistic >= threshold;
  const histogram: DriftHistogram = {
    ...(bins.edges ? { edges: bins.edges } : { categories: bins.categories }),
    reference: Array.from(bins.reference),
    current: Array.from(bins.current),
  };
  return {
    method,
    statistic,
    pValue,
    threshold,
    drift,
    psi: psi(fillZeroes(bins.reference), fillZeroes(bins.current)),
    referenceCount: p.kind === 'numeric' ? p.reference.length : p.reference.total,
    currentCount: p.kind === 'numeric' ? p.current.length : p.current.total,
    histogram,
  };
}

/** Evidently's dataset verdict (`get_dataset_drift`). */
export interface DatasetDrift {
  driftedCount: number;
  /** Share of the features that drifted (0 when there are none). */
  driftShare: number;
  driftShareThreshold: number;
  /** At least `driftShareThreshold` of the features drifted. */
  datasetDrift: boolean;
}

/** Dataset drift: the share of drifted features is at least `share` (Evidently: 0.5). */
export function datasetDrift(verdicts: readonly { drift: boolean }[], share = 0.5): DatasetDrift {
  const driftedCount = verdicts.filter((v) => v.drift).length;
  const driftShare = verdicts.length ? driftedCount / verdicts.length : 0;
  return {
    driftedCount,
    driftShare,
    driftShareThreshold: share,
    datasetDrift: verdicts.length > 0 && driftShare >= share,
  };
}
