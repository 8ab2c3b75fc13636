/**
 * Evidently's z-test for a binary feature (`z_stattest.py`): the two-proportion z statistic
 * of "not the first category", pooled variance, two-sided p-value.
 */
import type { TestResult } from './ks.js';
import { type Counts, unionOfValues } from './samples.js';
import { normalCdf } from './special-functions.js';

/**
 * Evidently's z-test on two samples' value counts. The first category in sorted order counts
 * as 0, every other one as 1. When both samples hold the one same value, the p-value is 1
 * (and the statistic, 0/0 in Evidently, is reported as 0).
 */
export function zTest(reference: Counts, current: Counts): TestResult {
  if (reference.total === 0 || current.total === 0) {
    throw new RangeError('z-test: both samples need values');
  }
  const keys = unionOfValues(reference, current);
  if (reference.counts.size === 1 && current.counts.size === 1 && keys.length === 1) {
    return { statistic: 0, pValue: 1 };
  }
  const n1 = reference.total;
  const n2 = current.total;
  const ones1 = n1 - (reference.counts.get(keys[0]) ?? 0);
  const ones2 = n2 - (current.counts.get(keys[0]) ?? 0);
  const statistic = proportionsDiffZ(ones1, n1, ones2, n2);
  return { statistic, pValue: 2 * (1 - normalCdf(Math.abs(statistic))) };
}

/** Evidently's `proportions_diff_z_stat_ind`, in its order of floating-point operations. */
export function proportionsDiffZ(ones1: number, n1: number, ones2: number, n2: number): number {
  const p1 = ones1 / n1;
  const p2 = ones2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  return (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
}
