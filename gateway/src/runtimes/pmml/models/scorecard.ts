import { UnusableArtifactError } from '../../../errors.js';
import { compileExpression, expressionChild } from '../expressions.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import { compilePredicate, predicateChild, type Predicate } from '../predicates.js';
import { enumAttr, numAttr, type Env } from '../values.js';
import { child, childrenNamed } from '../xml.js';

interface Attribute {
  readonly predicate: Predicate;
  readonly points: (env: Env) => number | null;
  readonly reasonCode: string | undefined;
}

interface Characteristic {
  readonly attributes: Attribute[];
  readonly baseline: number;
}

/**
 * Scorecard: the initial score plus, per characteristic, the partial score of its first
 * matching attribute. With reason codes on, each characteristic's distance from its baseline
 * (below it for pointsBelow, above for pointsAbove) is summed per code and the codes with a sum
 * of 0 or more ranked, highest first, the first reached first on a tie (JPMML-Evaluator 1.7.7).
 * baselineMethod only says how the baselines were chosen: it does not change a score.
 */
export function compileScorecard({
  el,
  scope,
  ctx,
  functionName,
}: ModelCompileInput): CompiledCore {
  if (functionName !== 'regression')
    throw new UnusableArtifactError('Scorecard must have functionName="regression"');
  const initial = numAttr(el, 'initialScore', 0);
  const useReasonCodes = el.attrs.useReasonCodes !== 'false';
  const below =
    enumAttr(el, 'reasonCodeAlgorithm', ['pointsBelow', 'pointsAbove'], 'pointsBelow') ===
    'pointsBelow';
  const modelBaseline =
    el.attrs.baselineScore === undefined ? undefined : numAttr(el, 'baselineScore');
  const chars = child(el, 'Characteristics');
  if (!chars) throw new UnusableArtifactError('Scorecard has no Characteristics');
  const characteristics: Characteristic[] = childrenNamed(chars, 'Characteristic').map((c, ci) => {
    const where = `Characteristic "${c.attrs.name ?? ci + 1}"`;
    const baselineRaw = c.attrs.baselineScore;
    if (useReasonCodes && baselineRaw === undefined && modelBaseline === undefined)
      throw new UnusableArtifactError(`${where} has no baselineScore, needed for reason codes`);
    const baseline = baselineRaw === undefined ? (modelBaseline ?? 0) : numAttr(c, 'baselineScore');
    const attributes = childrenNamed(c, 'Attribute').map((a) => {
      const predicate = compilePredicate(predicateChild(a, where), scope, where);
      const complex = child(a, 'ComplexPartialScore');
      let points: (env: Env) => number | null;
      if (complex) {
        const exprEl = expressionChild(complex);
        if (!exprEl)
          throw new UnusableArtifactError(`${where}: ComplexPartialScore has no expression`);
        const g = compileExpression(exprEl, scope, ctx, where).get;
        points = (env) => {
          const v = g(env);
          return v === null ? null : Number(v);
        };
      } else {
        const p = numAttr(a, 'partialScore');
        points = () => p;
      }
      const reasonCode = a.attrs.reasonCode ?? c.attrs.reasonCode;
      if (useReasonCodes && reasonCode === undefined)
        throw new UnusableArtifactError(`${where}: an Attribute has no reasonCode`);
      return { predicate, points, reasonCode };
    });
    return { attributes, baseline };
  });
  return {
    score: (env) => {
      let total = initial;
      const diffs = new Map<string, number>();
      for (const c of characteristics) {
        const a = c.attributes.find((x) => x.predicate(env) === true);
        if (!a) return MISSING_RESULT;
        const p = a.points(env);
        if (p === null) return MISSING_RESULT;
        total += p;
        if (useReasonCodes) {
          const d = below ? c.baseline - p : p - c.baseline;
          diffs.set(a.reasonCode!, (diffs.get(a.reasonCode!) ?? 0) + d);
        }
      }
      if (!useReasonCodes) return { value: total };
      const reasonCodes = [...diffs.entries()]
        // A code whose points are 0 is ranked (last); only one below 0 is left out, as the
        // reference evaluator answers.
        .filter(([, d]) => d >= 0)
        .sort((a, b) => b[1] - a[1])
        .map(([code]) => code);
      return { value: total, reasonCodes };
    },
  };
}
