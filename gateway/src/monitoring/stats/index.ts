/**
 * Drift statistics exactly as scipy computes them and as Evidently (0.7.23, its
 * legacy/calculations/stattests) decides with them. Pure functions, no I/O.
 */
export {
  binCategories,
  binNumeric,
  fillZeroes,
  sturgesEdges,
  type BinnedShares,
} from './binning.js';
export { chi2Contingency, chisquare, type ContingencyResult } from './chisquare.js';
export {
  datasetDrift,
  defaultMethod,
  DEFAULT_THRESHOLDS,
  driftTest,
  type DatasetDrift,
  type DriftTestOptions,
  type DriftVerdict,
} from './drift-test.js';
export { jensenShannon } from './jensen-shannon.js';
export { kstwoSf } from './kolmogorov.js';
export { ks2samp, ksPValue, ksStatistic, type TestResult } from './ks.js';
export { psi } from './psi.js';
export type { RawValue } from './samples.js';
export { smirnovSf } from './smirnov.js';
export { chiSquareSf, normalCdf } from './special-functions.js';
export { wassersteinDistance, wassersteinDistanceNormed } from './wasserstein.js';
export { zTest } from './z-test.js';
