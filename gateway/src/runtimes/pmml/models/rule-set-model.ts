import type { CompiledCore, ModelCompileInput, ModelResult } from '../model-types.js';
import { compilePredicate, predicateChild, type Predicate } from '../predicates.js';
import { attr, numAttr, toType, unusable, type Env, type Value } from '../values.js';
import { child, type XmlElement } from '../xml.js';

type Criterion = 'firstHit' | 'weightedSum' | 'weightedMax';

interface SimpleRule {
  readonly score: string;
  readonly value: Value;
  readonly confidence: number;
  readonly weight: number;
  /** Its id, else its 1-based place among the model's SimpleRules (as JPMML-Evaluator names it). */
  readonly id: string;
}

/** A SimpleRule or a CompoundRule: the SimpleRules it fires for a record, in document order. */
type Rule = (env: Env, fired: SimpleRule[]) => void;

const RULE_SET_CHILDREN = new Set([
  'Extension',
  'RuleSelectionMethod',
  'ScoreDistribution',
  'SimpleRule',
  'CompoundRule',
]);

/**
 * RuleSetModel, scored as JPMML-Evaluator 1.7.7 scores it (the reference the fixtures pin): the
 * SimpleRules whose predicates (and those of every enclosing CompoundRule) are true fire, in
 * document order; the first RuleSelectionMethod picks the answer. firstHit: the first fired
 * rule; each fired score's confidence is that of its first rule. weightedMax: per score, the rule
 * of highest weight, its confidence the score's; the score of highest confidence wins.
 * weightedSum: per score, the sum of its rules' weights over the number of fired rules; the
 * highest wins, answered by its rule of highest weight. Ties go to the score fired first. No rule
 * fired: defaultScore with defaultConfidence. The answer has confidences, not probabilities (a
 * rule's ScoreDistribution is not read, as JPMML reads none).
 */
export function compileRuleSet({
  el,
  scope,
  functionName,
  target,
  topLevel,
}: ModelCompileInput): CompiledCore {
  if (functionName !== 'classification')
    throw unusable(el, 'RuleSetModel must have functionName="classification"');
  if (!topLevel)
    throw unusable(
      el,
      'RuleSetModel in a Segment is not supported: it answers confidences, which a segmentation does not combine',
    );
  if (target.dataType !== 'string')
    throw unusable(
      el,
      `RuleSetModel with a ${target.dataType} target is not supported: the reference evaluator keys confidences by the rule's score text`,
    );
  const ruleSet = child(el, 'RuleSet');
  if (!ruleSet) throw unusable(el, 'RuleSetModel has no RuleSet');
  for (const c of ruleSet.children)
    if (!RULE_SET_CHILDREN.has(c.name)) throw unusable(c, `${c.name} in RuleSet is not supported`);
  const method = ruleSet.children.find((c) => c.name === 'RuleSelectionMethod');
  if (!method) throw unusable(ruleSet, 'RuleSet has no RuleSelectionMethod');
  const criterion = attr(method, 'criterion');
  if (criterion !== 'firstHit' && criterion !== 'weightedSum' && criterion !== 'weightedMax')
    throw unusable(method, `RuleSelectionMethod criterion="${criterion}" is not supported`);
  // JPMML-Evaluator needs both only when no rule fires; a document that can fail so is refused.
  if (ruleSet.attrs.defaultScore === undefined || ruleSet.attrs.defaultConfidence === undefined)
    throw unusable(
      ruleSet,
      'RuleSet without defaultScore and defaultConfidence is not supported: a record no rule fires for has no answer',
    );
  const defaultScore = ruleSet.attrs.defaultScore;
  const fallback: ModelResult = {
    value: toType(defaultScore, target.dataType) ?? defaultScore,
    confidences: new Map([[defaultScore, numAttr(ruleSet, 'defaultConfidence')]]),
  };

  const ids = new Set<string>();
  let count = 0;
  const compileRule = (r: XmlElement): Rule => {
    const where = `${r.name}${r.attrs.id === undefined ? '' : ` "${r.attrs.id}"`}`;
    const predicate: Predicate = compilePredicate(predicateChild(r, where), scope, where);
    if (r.name === 'SimpleRule') {
      count++;
      const id = r.attrs.id ?? String(count);
      if (ids.has(id)) throw unusable(r, `${where}: a second SimpleRule has id "${id}"`);
      ids.add(id);
      const score = attr(r, 'score');
      const rule: SimpleRule = {
        score,
        value: toType(score, target.dataType) ?? score,
        confidence: numAttr(r, 'confidence', 1),
        weight: numAttr(r, 'weight', 1),
        id,
      };
      return (env, fired) => {
        if (predicate(env) === true) fired.push(rule);
      };
    }
    const rules = r.children
      .filter((c) => c.name === 'SimpleRule' || c.name === 'CompoundRule')
      .map(compileRule);
    if (rules.length === 0) throw unusable(r, `${where} holds no rule`);
    return (env, fired) => {
      if (predicate(env) !== true) return;
      for (const rule of rules) rule(env, fired);
    };
  };
  const rules = ruleSet.children
    .filter((c) => c.name === 'SimpleRule' || c.name === 'CompoundRule')
    .map(compileRule);
  const select = SELECTIONS[criterion];
  return {
    classAnswers: 'confidence',
    score: (env) => {
      const fired: SimpleRule[] = [];
      for (const rule of rules) rule(env, fired);
      return fired.length === 0 ? fallback : select(fired);
    },
  };
}

/** The fired rules grouped by score, in the order each score first fired. */
function byScore(fired: readonly SimpleRule[]): Map<string, SimpleRule[]> {
  const groups = new Map<string, SimpleRule[]>();
  for (const r of fired) {
    const g = groups.get(r.score);
    if (g) g.push(r);
    else groups.set(r.score, [r]);
  }
  return groups;
}

/** The rule of highest weight, the first of them on a tie. */
function heaviest(rules: readonly SimpleRule[]): SimpleRule {
  let best = rules[0]!;
  for (const r of rules) if (r.weight > best.weight) best = r;
  return best;
}

function answer(winner: SimpleRule, confidences: Map<string, number>): ModelResult {
  return { value: winner.value, entityId: winner.id, confidences };
}

/** Per score a rule and a confidence; the score of highest confidence wins (the first on a tie). */
function bestOf(
  groups: Map<string, SimpleRule[]>,
  pick: (g: SimpleRule[]) => [SimpleRule, number],
) {
  const confidences = new Map<string, number>();
  let winner: SimpleRule | undefined;
  let best = Number.NEGATIVE_INFINITY;
  for (const [score, g] of groups) {
    const [rule, confidence] = pick(g);
    confidences.set(score, confidence);
    if (winner === undefined || confidence > best) {
      winner = rule;
      best = confidence;
    }
  }
  return answer(winner!, confidences);
}

const SELECTIONS: Record<Criterion, (fired: SimpleRule[]) => ModelResult> = {
  firstHit: (fired) => {
    const confidences = new Map<string, number>();
    for (const [score, g] of byScore(fired)) confidences.set(score, g[0]!.confidence);
    return answer(fired[0]!, confidences);
  },
  weightedMax: (fired) =>
    bestOf(byScore(fired), (g) => {
      const r = heaviest(g);
      return [r, r.confidence];
    }),
  weightedSum: (fired) =>
    bestOf(byScore(fired), (g) => {
      let sum = 0;
      for (const r of g) sum += r.weight;
      return [heaviest(g), sum / fired.length];
    }),
};
