import { UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import { isModelElement } from '../model-elements.js';
import {
  MISSING_RESULT,
  type CompiledCore,
  type CompiledModel,
  type ModelCompileInput,
  type ModelResult,
  type OutputDef,
} from '../model-types.js';
import { compilePredicate, predicateChild, type Predicate } from '../predicates.js';
import { flatSum } from './flat-trees.js';
import { Scope } from '../scope.js';
import { enumAttr, key, numAttr, unusable, type Env, type Value } from '../values.js';
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
  clustering: ['majorityVote', 'weightedMajorityVote', 'selectFirst', 'modelChain'],
};

/** What a segment without a prediction does to the whole (PMML 4.4, Segmentation). */
type Treatment = 'returnMissing' | 'skipSegment' | 'continue';

interface Segment {
  readonly predicate: Predicate;
  readonly weight: number;
  readonly model: CompiledModel;
  /** Its predicate is `<True/>`. */
  readonly always: boolean;
}

/** The segments that ran for a record, each with its result; `undefined`: the whole is missing. */
type Collected = { r: ModelResult; w: number }[] | undefined;

/**
 * MiningModel: a Segmentation of nested models combined by its multipleModelMethod — the
 * ensembles sklearn2pmml and nyoka write for random forests (average, majority vote) and
 * gradient boosting (sum of trees, then a model chain into a logistic or softmax step).
 *
 * A segment without a prediction is handled by `missingPredictionTreatment` as the reference
 * evaluator (JPMML-Evaluator) reads PMML 4.4: `returnMissing` makes the whole prediction missing;
 * `skipSegment` leaves the segment out unless the weight of the segments left out passes
 * `missingThreshold` (a share of the weight of the segments that ran); `continue`, the default,
 * counts a vote for "missing" (which wins only with more votes than any category) and makes an
 * average, a sum or a chain step missing.
 */
export function compileMining({
  el,
  scope,
  functionName,
  target,
  ctx,
  compileNested,
}: ModelCompileInput): CompiledCore {
  const seg = child(el, 'Segmentation');
  if (!seg) throw new UnusableArtifactError('MiningModel has no Segmentation');
  for (const c of seg.children)
    if (c.name !== 'Segment' && c.name !== 'Extension')
      throw unusable(c, `${c.name} in Segmentation is not supported`);
  const method = enumAttr<Method>(seg, 'multipleModelMethod', METHODS[functionName]!, 'sum');
  if (seg.attrs.multipleModelMethod === undefined)
    throw new UnusableArtifactError('Segmentation has no multipleModelMethod');
  const treatment = enumAttr<Treatment>(
    seg,
    'missingPredictionTreatment',
    ['returnMissing', 'skipSegment', 'continue'],
    'continue',
  );
  const missingThreshold = numAttr(seg, 'missingThreshold', 1);
  if (!(missingThreshold >= 0 && missingThreshold <= 1))
    throw unusable(
      seg,
      `Segmentation: missingThreshold="${seg.attrs.missingThreshold}" is not within 0 and 1`,
    );
  if (treatment === 'skipSegment' && method === 'modelChain')
    throw unusable(
      seg,
      'Segmentation: missingPredictionTreatment="skipSegment" cannot be used with modelChain (PMML 4.4)',
    );
  // In a chain each segment sees the outputs of the segments before it.
  const segScope = method === 'modelChain' ? new Scope(scope) : scope;
  const segments: Segment[] = childrenNamed(seg, 'Segment').map((s, i) => {
    const where = `Segment "${s.attrs.id ?? i + 1}"`;
    const predicateEl = predicateChild(s, where);
    const predicate = compilePredicate(predicateEl, segScope, where);
    const models = s.children.filter(isModelElement);
    if (models.length !== 1)
      throw new UnusableArtifactError(
        `${where} must hold exactly one model, found ${models.length}`,
      );
    const model = compileNested(models[0]!, segScope, target);
    return {
      predicate,
      weight: numAttr(s, 'weight', 1),
      model,
      always: predicateEl.name === 'True',
    };
  });
  if (segments.length === 0) throw new UnusableArtifactError('Segmentation has no Segment');

  if (method === 'selectFirst' || method === 'modelChain')
    return selection(segments, method === 'modelChain', treatment);

  const collect = collector(segments, treatment, missingThreshold);
  if (functionName === 'regression')
    return regressionEnsemble(segments, method, treatment, missingThreshold, collect, ctx);

  const categories = target.categories ?? segmentCategories(segments);
  if (method === 'majorityVote' || method === 'weightedMajorityVote') {
    const vote = voter(method === 'weightedMajorityVote', treatment === 'continue');
    const score = (env: Env): ModelResult => {
      const got = collect(env);
      return got ? vote(got) : MISSING_RESULT;
    };
    // A cluster is voted for by its id: no probabilities are answered for it.
    if (functionName === 'clustering')
      return {
        ...(categories ? { categories } : {}),
        score: (env) => {
          const r = score(env);
          return r.value === null ? MISSING_RESULT : { value: r.value };
        },
      };
    return { ...(categories ? { categories } : {}), score };
  }
  if (!categories)
    throw new UnusableArtifactError(
      `MiningModel: the target's categories are not known, needed for ${method}`,
    );
  const keys = categories.map(key);
  const weighted = method === 'weightedAverage';
  return {
    categories,
    score: (env) => {
      const got = collect(env);
      // continue: an average with a term missing is missing.
      if (!got || got.length === 0 || got.some((g) => g.r.value === null)) return MISSING_RESULT;
      const acc = new Array<number>(keys.length).fill(0);
      let total = 0;
      for (const { r, w } of got) {
        const wt = weighted ? w : 1;
        total += wt;
        for (let i = 0; i < keys.length; i++) acc[i]! += wt * (r.probabilities?.get(keys[i]!) ?? 0);
      }
      for (let i = 0; i < acc.length; i++) acc[i]! /= total;
      return classResult(categories, acc);
    },
  };
}

/**
 * selectFirst (the first segment whose predicate is true answers) and modelChain (every segment
 * whose predicate is true runs, in order, seeing the outputs of the ones before; the last to run
 * answers). The answer is that segment's, its final Output fields included: the model answers
 * the final outputs of every segment that can be the one answering (a chain's segments from its
 * last `<True/>` one on, a selectFirst's up to its first), each empty unless its segment answered,
 * as the reference evaluator does.
 */
function selection(segments: Segment[], chain: boolean, treatment: Treatment): CompiledCore {
  const n = segments.length;
  const firstAlways = segments.findIndex((s) => s.always);
  let lastAlways = -1;
  for (let i = n - 1; i >= 0 && lastAlways < 0; i--) if (segments[i]!.always) lastAlways = i;
  const candidates = chain
    ? segments.slice(Math.max(lastAlways, 0))
    : segments.slice(0, firstAlways < 0 ? n : firstAlways + 1);
  const outputs: OutputDef[] = candidates.flatMap((s) => s.model.outputs.filter((o) => o.isFinal));
  // The answer's slots, by candidate: emptied for every candidate that did not answer.
  const slots = candidates.map((s) => s.model.outputs.filter((o) => o.isFinal).map((o) => o.slot));
  const offset = n - candidates.length;
  const clear = (env: Env, answered: number) => {
    for (let c = 0; c < slots.length; c++) {
      if ((chain ? c + offset : c) === answered) continue;
      for (const slot of slots[c]!) env[slot] = null;
    }
  };
  const returnMissing = treatment === 'returnMissing';
  const skip = treatment === 'skipSegment';
  const score = (env: Env): ModelResult => {
    let result: ModelResult | undefined;
    let answered = -1;
    for (let i = 0; i < n; i++) {
      const s = segments[i]!;
      if (s.predicate(env) !== true) continue;
      const r = s.model.evaluate(env);
      if (r.value === null) {
        if (returnMissing) {
          clear(env, -1);
          return MISSING_RESULT;
        }
        if (skip) continue;
      }
      result = r;
      answered = i;
      if (!chain) break;
    }
    if (outputs.length) clear(env, answered);
    return result ?? MISSING_RESULT;
  };
  return { score, outputs };
}

/**
 * The results of the segments whose predicate is true, or `undefined` when the whole prediction
 * is missing: a segment without a prediction under returnMissing, or the weight of those without
 * one past missingThreshold. Under continue, a segment without a prediction stays in (a vote
 * for "missing"); under skipSegment it is left out.
 */
function collector(
  segments: readonly Segment[],
  treatment: Treatment,
  missingThreshold: number,
): (env: Env) => Collected {
  const keepMissing = treatment === 'continue';
  const returnMissing = treatment === 'returnMissing';
  return (env) => {
    const out: { r: ModelResult; w: number }[] = [];
    let weight = 0;
    let missingWeight = 0;
    for (const s of segments) {
      if (s.predicate(env) !== true) continue;
      const r = s.model.evaluate(env);
      weight += s.weight;
      if (r.value === null) {
        if (returnMissing) return undefined;
        missingWeight += s.weight;
        if (!keepMissing) continue;
      }
      out.push({ r, w: s.weight });
    }
    if (out.length === 0 && missingWeight === 0) return undefined;
    if (missingWeight > 0 && missingWeight / weight > missingThreshold) return undefined;
    return out;
  };
}

/**
 * A (weighted) majority vote over the collected results: the category with the most votes, the
 * first voted for on a tie (as the reference evaluator picks); its probabilities are the shares
 * of the votes. Votes for "missing" (continue) win only with more than any category has.
 */
function voter(weighted: boolean, countMissing: boolean) {
  return (got: { r: ModelResult; w: number }[]): ModelResult => {
    const votes = new Map<string, { value: Value; sum: number }>();
    let missing = 0;
    let total = 0;
    for (const { r, w } of got) {
      const wt = weighted ? w : 1;
      if (r.value === null) {
        if (countMissing) missing += wt;
        continue;
      }
      const k = key(r.value);
      const v = votes.get(k);
      if (v) v.sum += wt;
      else votes.set(k, { value: r.value, sum: wt });
      total += wt;
    }
    let best: { value: Value; sum: number } | undefined;
    for (const v of votes.values()) if (!best || v.sum > best.sum) best = v;
    if (!best || missing > best.sum) return MISSING_RESULT;
    const probabilities = new Map<string, number>();
    for (const [k, v] of votes) probabilities.set(k, v.sum / total);
    return { value: best.value, probabilities };
  };
}

/** The categories the segments know, in the order they first name them. */
function segmentCategories(segments: readonly Segment[]): Value[] | undefined {
  const seen = new Map<string, Value>();
  for (const s of segments)
    for (const c of s.model.target.categories ?? []) if (!seen.has(key(c))) seen.set(key(c), c);
  return seen.size ? [...seen.values()] : undefined;
}

function regressionEnsemble(
  segments: readonly Segment[],
  method: Method,
  treatment: Treatment,
  missingThreshold: number,
  collect: (env: Env) => Collected,
  ctx: ModelCompileInput['ctx'],
): CompiledCore {
  const n = segments.length;
  const skip = treatment === 'skipSegment';
  if (
    method === 'sum' ||
    method === 'average' ||
    method === 'weightedSum' ||
    method === 'weightedAverage'
  ) {
    // The boosted-tree hot path: accumulate as the segments answer, no per-record arrays.
    const weighted = method === 'weightedSum' || method === 'weightedAverage';
    const mean = method === 'average' || method === 'weightedAverage';
    // Trees alone, every one on <True/>: flattened into arrays (flat-trees.ts).
    if (segments.every((s) => s.always && s.model.plainTree)) {
      ctx.flattened.trees += n;
      return {
        score: flatSum(
          segments.map((s) => ({ tree: s.model.plainTree!, weight: s.weight })),
          { weighted, mean, skip, missingThreshold },
        ),
      };
    }
    return {
      score: (env) => {
        let sum = 0;
        let weights = 0;
        let used = 0;
        let all = 0;
        let missing = 0;
        for (let i = 0; i < n; i++) {
          const s = segments[i]!;
          if (s.predicate(env) !== true) continue;
          const v = s.model.evaluate(env).value;
          all += s.weight;
          if (v === null) {
            // returnMissing and continue: an average or a sum without one of its terms is missing.
            if (!skip) return MISSING_RESULT;
            missing += s.weight;
            continue;
          }
          const w = weighted ? s.weight : 1;
          sum += w * (v as number);
          weights += w;
          used++;
        }
        if (used === 0 || (missing > 0 && missing / all > missingThreshold)) return MISSING_RESULT;
        return { value: mean ? sum / weights : sum };
      },
    };
  }
  const combine = regressionCombiner(method);
  return {
    score: (env) => {
      const got = collect(env);
      if (!got || got.length === 0 || got.some((g) => g.r.value === null)) return MISSING_RESULT;
      return {
        value: combine(
          got.map((g) => g.r.value as number),
          got.map((g) => g.w),
        ),
      };
    },
  };
}

function regressionCombiner(method: Method): (values: number[], weights: number[]) => number {
  switch (method) {
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
