import { numAttr, unusable, type DataType, type Value } from '../values.js';
import type { XmlElement } from '../xml.js';

/** The measures an AssociationRule carries (support and confidence always; NaN when absent). */
export type RuleMeasure = 'support' | 'confidence' | 'lift' | 'leverage' | 'affinity';
export type RankBasis = RuleMeasure;
export const RANK_BASES: readonly RankBasis[] = [
  'confidence',
  'support',
  'lift',
  'leverage',
  'affinity',
];

/** One compiled rule: its itemsets' item values and its measures. */
export interface CompiledRule extends Record<RuleMeasure, number> {
  readonly id: string | undefined;
  readonly antecedent: { readonly values: readonly string[] };
  readonly consequent: { readonly values: readonly string[] };
  /** `{a,b}->{c}`, as JPMML-Evaluator writes a rule. */
  readonly text: string;
}

/** An AssociationModel's rules and their rankings (rule indexes, best first; see orderIndex). */
export interface RuleTable {
  readonly rules: readonly CompiledRule[];
  readonly orders: readonly Int32Array[];
}

/** Where a ranking is in `RuleTable.orders`: a number, so scoring builds no key. */
export function orderIndex(basis: RankBasis, descending: boolean): number {
  return RANK_BASES.indexOf(basis) * 2 + (descending ? 0 : 1);
}

/** What a basket makes of the rules: whether each one's antecedent, and consequent, it holds. */
export interface FiredRules {
  readonly table: RuleTable;
  readonly antecedentIn: Uint8Array;
  readonly consequentIn: Uint8Array;
}

type Algorithm = 'recommendation' | 'exclusiveRecommendation' | 'ruleAssociation';
type RuleFeature = 'antecedent' | 'consequent' | 'rule' | 'ruleId' | RuleMeasure;

/** A rule feature an OutputField asks for, with its ranking. */
export interface RuleFeatureSpec {
  readonly feature: RuleFeature;
  readonly algorithm: Algorithm;
  readonly rankBasis: RankBasis;
  readonly descending: boolean;
  readonly rank: number;
  readonly multiValued: boolean;
  /** The ranking's index in `RuleTable.orders`. */
  readonly order: number;
}

const RULE_FEATURES: readonly string[] = [
  'antecedent',
  'consequent',
  'rule',
  'ruleId',
  'confidence',
  'support',
  'lift',
  'leverage',
  'affinity',
];
/** The older output features that each name a rule feature (PMML 4.4 keeps them). */
const LEGACY: ReadonlySet<string> = new Set(RULE_FEATURES.filter((f) => f !== 'affinity'));

function pick<T extends string>(
  of: XmlElement,
  name: string,
  allowed: readonly string[],
  fallback: T,
): T {
  const v = of.attrs[name] ?? fallback;
  if (!allowed.includes(v))
    throw unusable(of, `OutputField "${of.attrs.name}": ${name}="${v}" is not supported`);
  return v as T;
}

/**
 * The rule feature an OutputField asks for (feature="ruleValue" with ruleFeature, or an older
 * feature named after one), with the specification's defaults: algorithm
 * exclusiveRecommendation, rank 1, rankBasis confidence, descending. Undefined for other features.
 */
export function ruleFeatureOf(of: XmlElement): RuleFeatureSpec | undefined {
  const feature = of.attrs.feature ?? 'predictedValue';
  if (feature !== 'ruleValue' && !LEGACY.has(feature)) return undefined;
  const rank = numAttr(of, 'rank', 1);
  if (!(Number.isInteger(rank) && rank >= 1))
    throw unusable(of, `OutputField "${of.attrs.name}": rank="${rank}" is not a positive integer`);
  const rankBasis = pick<RankBasis>(of, 'rankBasis', RANK_BASES, 'confidence');
  const descending =
    pick(of, 'rankOrder', ['descending', 'ascending'], 'descending') === 'descending';
  return {
    feature:
      feature === 'ruleValue'
        ? pick(of, 'ruleFeature', RULE_FEATURES, 'consequent')
        : (feature as RuleFeature),
    algorithm: pick(
      of,
      'algorithm',
      ['recommendation', 'exclusiveRecommendation', 'ruleAssociation'],
      'exclusiveRecommendation',
    ),
    rankBasis,
    descending,
    order: orderIndex(rankBasis, descending),
    rank,
    multiValued: ['1', 'true'].includes(
      pick<string>(of, 'isMultiValued', ['0', '1', 'true', 'false'], '0'),
    ),
  };
}

/** Whether the feature answers a JSON list: an itemset, or the values of several rules. */
export function answersList(spec: RuleFeatureSpec): boolean {
  return spec.multiValued || spec.feature === 'antecedent' || spec.feature === 'consequent';
}

/** The type of a rule feature an OutputField leaves undeclared. */
export function ruleDataType(spec: RuleFeatureSpec): DataType {
  return RULE_FEATURES.indexOf(spec.feature) >= 4 ? 'double' : 'string';
}

/** Whether rule i fires for the algorithm, as JPMML-Evaluator decides it. */
function fires(f: FiredRules, i: number, algorithm: Algorithm): boolean {
  if (!f.antecedentIn[i]) return false;
  if (algorithm === 'recommendation') return true;
  return algorithm === 'ruleAssociation' ? f.consequentIn[i] === 1 : f.consequentIn[i] === 0;
}

function valueOf(rule: CompiledRule, feature: RuleFeature): unknown {
  switch (feature) {
    case 'antecedent':
      return rule.antecedent.values;
    case 'consequent':
      return rule.consequent.values;
    case 'rule':
      return rule.text;
    case 'ruleId':
      return rule.id ?? null;
    default:
      return rule[feature];
  }
}

/**
 * The value of a rule feature for a basket: the rank-th firing rule's (null when fewer fire), or,
 * multi-valued, the list of the first `rank` ones'. An itemset is answered as the list of its
 * items' values; the result is a JSON value, not a PMML scalar.
 */
export function ruleFeatureValue(spec: RuleFeatureSpec, fired: FiredRules | undefined): Value {
  const out: unknown[] = [];
  if (fired) {
    const order = fired.table.orders[spec.order]!;
    for (let j = 0; j < order.length && out.length < spec.rank; j++) {
      const i = order[j]!;
      if (fires(fired, i, spec.algorithm)) out.push(valueOf(fired.table.rules[i]!, spec.feature));
    }
  }
  if (spec.multiValued) return out as unknown as Value;
  return out.length === spec.rank ? (out[spec.rank - 1] as Value) : null;
}
