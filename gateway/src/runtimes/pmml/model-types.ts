import type { CompileContext } from './expressions.js';
import type { FiredRules } from './models/association-rules.js';
import type { PlainTree } from './models/flat-trees.js';
import type { Scope } from './scope.js';
import type { DataType, Env, Value } from './values.js';
import type { XmlElement } from './xml.js';

/** The kinds of mining function this evaluator scores. */
export type MiningFunction = 'regression' | 'classification' | 'clustering' | 'associationRules';

/** What one model answers for one record, before its Output fields are computed. */
export interface ModelResult {
  /** Predicted value: a number, a category, a cluster id; null when the model has none. */
  value: Value;
  /** Classification: probability per category (keyed by `key(category)`), in category order. */
  probabilities?: Map<string, number>;
  /** Identifier of the entity that decided: a tree node's id, a cluster's id. */
  entityId?: Value;
  /** Clustering: 1-based index of the winning cluster. */
  clusterIndex?: number;
  /** Clustering: affinity (distance or similarity) per cluster id. */
  affinities?: Map<string, number>;
  /** Clustering: the winning cluster's display name. */
  displayValue?: string;
  /** AssociationModel: which rules the basket fires (read by the rule-feature Output fields). */
  rules?: FiredRules;
  /** Nearest neighbours: the entity ids of the k neighbours, nearest first (entityId by rank). */
  entityIds?: readonly Value[];
  /** Scorecard: reason codes, most important first. */
  reasonCodes?: string[];
  /** RuleSetModel: confidence per fired score (keyed by the score's text), in place of probabilities. */
  confidences?: Map<string, number>;
}

/** The field a model predicts, as far as the model's scope knows it. */
export interface TargetInfo {
  readonly name?: string;
  readonly dataType: DataType;
  /** Categories in document order (classification). */
  readonly categories?: readonly Value[];
  /**
   * Display values of categories, by `key(category)`: a Target's `TargetValue@displayValue`, else
   * the DataField's `Value@displayValue`.
   */
  readonly displayValues?: ReadonlyMap<string, string>;
}

/** An output field compiled to a slot, visible to later outputs and later chain segments. */
export interface OutputDef {
  readonly name: string;
  readonly slot: number;
  readonly dataType: DataType;
  readonly feature: string;
  readonly isFinal: boolean;
  /** Answers a JSON list (an association rule's itemset), not a scalar. */
  readonly json?: boolean;
  /** An output of a segment (a chain's, a selectFirst's), not of the model's own Output. */
  readonly nested?: boolean;
}

/** A model compiled for scoring: pure functions over a record's slots. */
export interface CompiledModel {
  readonly functionName: MiningFunction;
  readonly target: TargetInfo;
  /**
   * Output fields in document order: the Output element's, then those of the segments whose
   * answer can be the model's (a chain's last segments, a selectFirst's candidates).
   */
  readonly outputs: readonly OutputDef[];
  /** Whether a classification answers probabilities (the default) or confidences. */
  readonly classAnswers?: ClassAnswers;
  /** Scores one record; writes the output fields' slots as a side effect. */
  evaluate(env: Env): ModelResult;
  /**
   * The model as a plain regression tree: its core's, when the model adds nothing to what the
   * tree answers (no Targets, no Output fields). An ensemble may then score it flattened.
   */
  readonly plainTree?: PlainTree;
}

/** What a model-type compiler gets: its element, its scope (mining and local fields), its target. */
export interface ModelCompileInput {
  readonly el: XmlElement;
  readonly scope: Scope;
  readonly ctx: CompileContext;
  readonly functionName: MiningFunction;
  readonly target: TargetInfo;
  /** False for a model inside a Segment. */
  readonly topLevel?: boolean;
  /** Compiles a nested model (segments of a MiningModel). */
  readonly compileNested: (el: XmlElement, scope: Scope, target: TargetInfo) => CompiledModel;
}

/** The scoring function of one model type (no Targets, no Output: the wrapper adds those). */
export type ModelCore = (env: Env) => ModelResult;

/** What a model-type compiler returns: its scoring function and, when it knows them, its categories. */
export interface CompiledCore {
  readonly score: ModelCore;
  readonly categories?: readonly Value[];
  /** Output fields the core itself contributes (those of a chain's or selectFirst's segments). */
  readonly outputs?: readonly OutputDef[];
  /** What a classification answers beside its category: probabilities (the default) or confidences. */
  readonly classAnswers?: ClassAnswers;
  /** A regression tree whose predicates flatten (tree-model.ts): what flat-trees.ts sums. */
  readonly plainTree?: PlainTree;
}

/** Whether a classifier's answer carries probabilities or (a RuleSetModel's) confidences. */
export type ClassAnswers = 'probability' | 'confidence';

export const MISSING_RESULT: ModelResult = Object.freeze({ value: null }) as ModelResult;
