import { UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import { caster, compileExpression, expressionChild } from '../expressions.js';
import type { CompiledCore, ModelCompileInput } from '../model-types.js';
import {
  attr,
  dataTypeOf,
  key,
  numAttr,
  toType,
  type Env,
  type Getter,
  type Value,
} from '../values.js';
import { child, childrenNamed } from '../xml.js';

/** Per class, the log-likelihood an input adds for this record (null: the input is skipped). */
type InputTerm = (env: Env, out: Float64Array) => void;

/**
 * NaiveBayesModel: class counts times the likelihood of each input, categorical inputs from
 * pair counts and continuous ones from Gaussian distributions; computed in log space and
 * normalised like scikit-learn's predict_proba. A missing input (or an unseen category) is left
 * out; a likelihood below the model's threshold counts as the threshold.
 */
export function compileNaiveBayes({
  el,
  scope,
  ctx,
  functionName,
  target,
}: ModelCompileInput): CompiledCore {
  if (functionName !== 'classification')
    throw new UnusableArtifactError('NaiveBayesModel must have functionName="classification"');
  const threshold = numAttr(el, 'threshold', 0);
  const logThreshold = threshold > 0 ? Math.log(threshold) : Number.NEGATIVE_INFINITY;
  const outEl = child(el, 'BayesOutput');
  const countsEl = outEl && child(outEl, 'TargetValueCounts');
  if (!countsEl)
    throw new UnusableArtifactError('NaiveBayesModel has no BayesOutput TargetValueCounts');
  const categories: Value[] = [];
  const prior: number[] = [];
  for (const c of childrenNamed(countsEl, 'TargetValueCount')) {
    categories.push(toType(attr(c, 'value'), target.dataType) ?? c.attrs.value!);
    prior.push(numAttr(c, 'count'));
  }
  const k = categories.length;
  const catIndex = new Map(categories.map((c, i) => [key(c), i]));
  const floor = (logL: number) => (logL < logThreshold ? logThreshold : logL);
  const terms: InputTerm[] = [];
  const inputsEl = child(el, 'BayesInputs');
  for (const bi of inputsEl ? childrenNamed(inputsEl, 'BayesInput') : []) {
    const name = attr(bi, 'fieldName');
    const where = `BayesInput "${name}"`;
    let get: Getter = scope.require(name, where).get;
    const derived = child(bi, 'DerivedField');
    if (derived) {
      const exprEl = expressionChild(derived);
      if (!exprEl) throw new UnusableArtifactError(`${where}: DerivedField has no expression`);
      const g = compileExpression(exprEl, scope, ctx, where).get;
      const cast = caster(dataTypeOf(derived, 'string'));
      get = (env) => cast(g(env));
    }
    const stats = child(bi, 'TargetValueStats');
    if (stats) {
      const mean = new Float64Array(k);
      const variance = new Float64Array(k);
      const seen = new Uint8Array(k);
      for (const s of childrenNamed(stats, 'TargetValueStat')) {
        const i = catIndex.get(key(toType(attr(s, 'value'), target.dataType) ?? s.attrs.value!));
        if (i === undefined)
          throw new UnusableArtifactError(
            `${where}: class "${s.attrs.value}" is not in BayesOutput`,
          );
        const g = child(s, 'GaussianDistribution');
        if (!g) {
          const other = s.children.find((c) => c.name.endsWith('Distribution'));
          throw new UnusableArtifactError(
            `${where}: ${other?.name ?? 'a distribution other than GaussianDistribution'} is not supported`,
          );
        }
        mean[i] = numAttr(g, 'mean');
        variance[i] = numAttr(g, 'variance');
        seen[i] = 1;
      }
      if (seen.some((s) => !s))
        throw new UnusableArtifactError(`${where}: not every class has a distribution`);
      const logNorm = Float64Array.from(variance, (v) => -0.5 * Math.log(2 * Math.PI * v));
      const g = get;
      terms.push((env, out) => {
        const v = g(env);
        if (v === null) return;
        const x = v as number;
        for (let i = 0; i < k; i++) {
          const d = x - mean[i]!;
          out[i]! += floor(logNorm[i]! - (0.5 * d * d) / variance[i]!);
        }
      });
      continue;
    }
    const pairs = child(bi, 'PairCounts') ? childrenNamed(bi, 'PairCounts') : [];
    if (pairs.length === 0)
      throw new UnusableArtifactError(`${where} has neither TargetValueStats nor PairCounts`);
    const table = new Map<string, Float64Array>();
    const sums = new Float64Array(k);
    for (const p of pairs) {
      const counts = new Float64Array(k);
      const tvc = child(p, 'TargetValueCounts');
      for (const c of tvc ? childrenNamed(tvc, 'TargetValueCount') : []) {
        const i = catIndex.get(key(toType(attr(c, 'value'), target.dataType) ?? c.attrs.value!));
        if (i === undefined)
          throw new UnusableArtifactError(
            `${where}: class "${c.attrs.value}" is not in BayesOutput`,
          );
        counts[i] = numAttr(c, 'count');
        sums[i]! += counts[i]!;
      }
      table.set(attr(p, 'value'), counts);
    }
    const g = get;
    terms.push((env, out) => {
      const v = g(env);
      if (v === null) return;
      const counts = table.get(key(v));
      if (!counts) return;
      for (let i = 0; i < k; i++) {
        const c = counts[i]!;
        out[i]! += c > 0 ? floor(Math.log(c / sums[i]!)) : logThreshold;
      }
    });
  }
  const logPrior = prior.map((p) => Math.log(p));
  return {
    categories,
    score: (env) => {
      const ll = Float64Array.from(logPrior);
      for (const t of terms) t(env, ll);
      let max = Number.NEGATIVE_INFINITY;
      for (const v of ll) if (v > max) max = v;
      const probs = new Array<number>(k);
      let sum = 0;
      for (let i = 0; i < k; i++) sum += probs[i] = Math.exp(ll[i]! - max);
      for (let i = 0; i < k; i++) probs[i]! /= sum;
      return classResult(categories, probs);
    },
  };
}
