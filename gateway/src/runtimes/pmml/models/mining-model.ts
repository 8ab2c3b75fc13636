import { UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import { isModelElement } from '../model-elements.js';
import {
  MISSING_RESULT,
  type CompiledCore,
  type CompiledModel,
  type ModelCompileInput,
  type ModelResult,
} from '../model-types.js';
import { compilePredicate, predicateChild, type Predicate } from '../predicates.js';
import { Scope } from '../scope.js';
import { enumAttr, key, numAttr, type Env } from '../values.js';
import { child, childrenNamed } from '../xml.js';

type Method =
  | 'sum'
  | 'average'
  | 'weightedAverage'
  | 'weightedSum'
  | 'median'
  | 'max'
  | 'majorityVote'
  | 'weightedMajorityVote'
  | 'selectFirst'
  | 'modelChain';

const METHODS: Record<string, readonly Method[]> = {
  regression: [
    'sum',
    'average',
    'weightedAverage',
    'weightedSum',
    'median',
    'max',
    'selectFirst',
    'modelChain',
  ],
  classification: [
    'average',
    'weightedAverage',
    'majorityVote',
    'weightedMajorityVote',
    'selectFirst',
    'modelChain',
  ],
  clustering: ['selectFirst', 'modelChain'],
};

interface Segment {
  readonly predicate: Predicate;
  readonly weight: number;
  readonly model: CompiledModel;
}

/**
 * MiningModel: a Segmentation of nested models combined by its multipleModelMethod — the
 * ensembles sklearn2pmml and nyoka write for random forests (average, majority vote) and
 * gradient boosting (sum of trees, then a model chain into a logistic or softmax step).
 */
export function compileMining({
  el,
  scope,
  functionName,
  target,
  compileNested,
}: ModelCompileInput): CompiledCore {
  const seg = child(el, 'Segmentation');
  if (!seg) throw new UnusableArtifactError('MiningModel has no Segmentation');
  for (const c of seg.children)
    if (c.name !== 'Segment' && c.name !== 'Extension')
      throw new UnusableArtifactError(`${c.name} in Segmentation is not supported`);
  const method = enumAttr<Method>(seg, 'multipleModelMethod', METHODS[functionName]!, 'sum');
  if (seg.attrs.multipleModelMethod === undefined)
    throw new UnusableArtifactError('Segmentation has no multipleModelMethod');
  const treatment = enumAttr(
    seg,
    'missingPredictionTreatment',
    ['returnMissing', 'skipSegment'],
    'returnMissing',
  );
  const missingThreshold = numAttr(seg, 'missingThreshold', 1);
  // In a chain each segment sees the outputs of the segments before it.
  const segScope = method === 'modelChain' ? new Scope(scope) : scope;
  const segments: Segment[] = childrenNamed(seg, 'Segment').map((s, i) => {
    const where = `Segment "${s.attrs.id ?? i + 1}"`;
    const predicate = compilePredicate(predicateChild(s, where), segScope, where);
    const models = s.children.filter(isModelElement);
    if (models.length !== 1)
      throw new UnusableArtifactError(
        `${where} must hold exactly one model, found ${models.length}`,
      );
    const model = compileNested(models[0]!, segScope, target);
    return { predicate, weight: numAttr(s, 'weight', 1), model };
  });
  if (segments.length === 0) throw new UnusableArtifactError('Segmentation has no Segment');
  const n = segments.length;
  const skip = treatment === 'skipSegment';
  const categories = target.categories;
  if (
    functionName === 'classification' &&
    !categories &&
    method !== 'selectFirst' &&
    method !== 'modelChain'
  )
    throw new UnusableArtifactError(
      `MiningModel: the target's categories are not known, needed for ${method}`,
    );

  if (method === 'selectFirst' || method === 'modelChain') {
    const chain = method === 'modelChain';
    const last = segments[n - 1]!.model;
    const score = (env: Env): ModelResult => {
      let result: ModelResult | undefined;
      for (const s of segments) {
        if (s.predicate(env) !== true) continue;
        result = s.model.evaluate(env);
        if (!chain) return result;
      }
      return result ?? MISSING_RESULT;
    };
    // A chain answers with its last model, outputs included (the final probabilities of a
    // boosted classifier live in the last segment's Output).
    return chain ? { score, outputs: last.outputs.filter((o) => o.isFinal) } : { score };
  }

  // The ensembles: collect each applicable segment's result, then combine.
  const collect = (env: Env, out: { r: ModelResult; w: number }[]): boolean => {
    let missing = 0;
    let applicable = 0;
    for (const s of segments) {
      if (s.predicate(env) !== true) continue;
      applicable++;
      const r = s.model.evaluate(env);
      if (r.value === null) {
        if (!skip) return false;
        missing++;
        continue;
      }
      out.push({ r, w: s.weight });
    }
    return out.length > 0 && !(applicable > 0 && missing / applicable > missingThreshold);
  };

  if (
    functionName === 'regression' &&
    (method === 'sum' ||
      method === 'average' ||
      method === 'weightedSum' ||
      method === 'weightedAverage')
  ) {
    // The boosted-tree hot path: accumulate as the segments answer, no per-record arrays.
    const weighted = method === 'weightedSum' || method === 'weightedAverage';
    const mean = method === 'average' || method === 'weightedAverage';
    return {
      score: (env) => {
        let sum = 0;
        let weights = 0;
        let used = 0;
        let missing = 0;
        let applicable = 0;
        for (let i = 0; i < n; i++) {
          const s = segments[i]!;
          if (s.predicate(env) !== true) continue;
          applicable++;
          const v = s.model.evaluate(env).value;
          if (v === null) {
            if (!skip) return MISSING_RESULT;
            missing++;
            continue;
          }
          const w = weighted ? s.weight : 1;
          sum += w * (v as number);
          weights += w;
          used++;
        }
        if (used === 0 || (applicable > 0 && missing / applicable > missingThreshold))
          return MISSING_RESULT;
        return { value: mean ? sum / weights : sum };
      },
    };
  }
  if (functionName === 'regression') {
    const combine = regressionCombiner(method);
    return {
      score: (env) => {
        const got: { r: ModelResult; w: number }[] = [];
        if (!collect(env, got)) return MISSING_RESULT;
        return {
          value: combine(
            got.map((g) => g.r.value as number),
            got.map((g) => g.w),
          ),
        };
      },
    };
  }
  const cats = categories!;
  const keys = cats.map(key);
  const position = new Map<string, number>();
  for (let i = keys.length - 1; i >= 0; i--) position.set(keys[i]!, i);
  const vote = method === 'majorityVote' || method === 'weightedMajorityVote';
  const weighted = method === 'weightedAverage' || method === 'weightedMajorityVote';
  return {
    categories: cats,
    score: (env) => {
      const got: { r: ModelResult; w: number }[] = [];
      if (!collect(env, got)) return MISSING_RESULT;
      const acc = new Array<number>(keys.length).fill(0);
      let total = 0;
      for (const { r, w } of got) {
        const wt = weighted ? w : 1;
        total += wt;
        if (vote) {
          const i = position.get(key(r.value));
          if (i !== undefined) acc[i]! += wt;
        } else {
          for (let i = 0; i < keys.length; i++)
            acc[i]! += wt * (r.probabilities?.get(keys[i]!) ?? 0);
        }
      }
      for (let i = 0; i < acc.length; i++) acc[i]! /= total;
      return classResult(cats, acc);
    },
  };
}

function regressionCombiner(method: Method): (values: number[], weights: number[]) => number {
  switch (method) {
    case 'sum':
      return (v) => {
        let s = 0;
        for (const x of v) s += x;
        return s;
      };
    case 'average':
      return (v) => v.reduce((s, x) => s + x, 0) / v.length;
    case 'weightedSum':
      return (v, w) => v.reduce((s, x, i) => s + x * w[i]!, 0);
    case 'weightedAverage':
      return (v, w) => v.reduce((s, x, i) => s + x * w[i]!, 0) / w.reduce((s, x) => s + x, 0);
    case 'median':
      return (v) => {
        const s = [...v].sort((a, b) => a - b);
        const m = s.length >> 1;
        return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
      };
    case 'max':
      return (v) => Math.max(...v);
    default:
      throw new UnusableArtifactError(
        `multipleModelMethod="${method}" is not supported for regression`,
      );
  }
}
