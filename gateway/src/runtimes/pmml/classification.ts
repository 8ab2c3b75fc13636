import { UnusableArtifactError } from '../../errors.js';
import type { ModelResult } from './model-types.js';
import { stdNormalCdf } from './special-functions.js';
import { key, type Value } from './values.js';

/**
 * A classification result from per-category probabilities: the predicted category is the most
 * probable, the first in document order on a tie (as the reference evaluators choose).
 */
export function classResult(categories: readonly Value[], probs: ArrayLike<number>): ModelResult {
  const probabilities = new Map<string, number>();
  let best = -1;
  let bestP = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < categories.length; i++) {
    const p = probs[i]!;
    probabilities.set(key(categories[i]!), p);
    if (p > bestP) {
      bestP = p;
      best = i;
    }
  }
  return { value: best < 0 || Number.isNaN(bestP) ? null : categories[best]!, probabilities };
}

/** Normalisation methods of RegressionModel, NeuralNetwork and GeneralRegressionModel. */
export type Normalization =
  'none' | 'simplemax' | 'softmax' | 'logit' | 'probit' | 'cloglog' | 'exp' | 'loglog' | 'cauchit';

export const NORMALIZATIONS: readonly Normalization[] = [
  'none',
  'simplemax',
  'softmax',
  'logit',
  'probit',
  'cloglog',
  'exp',
  'loglog',
  'cauchit',
];

/** The inverse link of a single value (regression, or one binary-classification score). */
export function inverseLink(method: Normalization): (y: number) => number {
  switch (method) {
    case 'none':
      return (y) => y;
    case 'softmax':
    case 'logit':
      return (y) => 1 / (1 + Math.exp(-y));
    case 'exp':
      return Math.exp;
    case 'probit':
      return stdNormalCdf;
    case 'cloglog':
      return (y) => 1 - Math.exp(-Math.exp(y));
    case 'loglog':
      return (y) => Math.exp(-Math.exp(-y));
    case 'cauchit':
      return (y) => 0.5 + Math.atan(y) / Math.PI;
    case 'simplemax':
      throw new UnusableArtifactError('normalizationMethod="simplemax" needs several scores');
  }
}

/**
 * Turns per-category scores into probabilities in place. softmax and simplemax normalise over
 * all categories; the link functions map each of the first n-1 scores and give the last
 * category the rest, as the PMML specification says for RegressionModel.
 */
export function normalizeScores(method: Normalization, y: number[]): void {
  const n = y.length;
  switch (method) {
    case 'none':
      return;
    case 'softmax': {
      let max = Number.NEGATIVE_INFINITY;
      for (const v of y) if (v > max) max = v;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += y[i] = Math.exp(y[i]! - max);
      for (let i = 0; i < n; i++) y[i]! /= sum;
      return;
    }
    case 'simplemax': {
      let sum = 0;
      for (const v of y) sum += v;
      for (let i = 0; i < n; i++) y[i]! /= sum;
      return;
    }
    default: {
      const f = inverseLink(method);
      if (n === 1) {
        y[0] = f(y[0]!);
        return;
      }
      let rest = 1;
      for (let i = 0; i < n - 1; i++) rest -= y[i] = f(y[i]!);
      y[n - 1] = rest;
    }
  }
}
