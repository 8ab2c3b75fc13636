import { InvalidInputError, UnusableArtifactError } from '../../errors.js';
import { caster, compileExpression, expressionChild, type CompileContext } from './expressions.js';
import type {
  ClassAnswers,
  MiningFunction,
  ModelResult,
  OutputDef,
  TargetInfo,
} from './model-types.js';
import {
  answersList,
  ruleDataType,
  ruleFeatureOf,
  ruleFeatureValue,
} from './models/association-rules.js';
import { Scope, type FieldDef, type OpType } from './scope.js';
import {
  attr,
  dataTypeOf,
  key,
  numAttr,
  toType,
  unusable,
  type DataType,
  type Env,
  type Value,
} from './values.js';
import type { XmlElement } from './xml.js';

/** Output fields compiled: their definitions, and the code that fills their slots. */
export interface CompiledOutput {
  readonly defs: OutputDef[];
  readonly fill: (env: Env, r: ModelResult) => void;
}

type Compute = (env: Env, r: ModelResult) => Value;

/**
 * Compiles a model's `Output`. Each field gets a slot; a field may refer to the fields before
 * it (a `transformedValue` over a `predictedValue`), and a later segment of a model chain may
 * refer to any of them.
 */
export function compileOutput(
  el: XmlElement | undefined,
  modelScope: Scope,
  outerScope: Scope | undefined,
  ctx: CompileContext,
  functionName: MiningFunction,
  target: TargetInfo,
  classAnswers: ClassAnswers = 'probability',
): CompiledOutput {
  const defs: OutputDef[] = [];
  const computes: Compute[] = [];
  if (!el) return { defs, fill: () => {} };
  // Output fields see the model's fields and each other.
  const scope = new Scope(modelScope);
  for (const of of el.children) {
    if (of.name === 'Extension') continue;
    if (of.name !== 'OutputField') throw unusable(of, `${of.name} in Output is not supported`);
    const name = attr(of, 'name');
    const where = `OutputField "${name}"`;
    const feature = of.attrs.feature ?? 'predictedValue';
    if (of.attrs.segmentId !== undefined)
      throw unusable(of, `${where}: segmentId is not supported`);
    if (
      of.attrs.targetField !== undefined &&
      target.name !== undefined &&
      of.attrs.targetField !== target.name
    )
      throw new UnusableArtifactError(
        `${where}: targetField "${of.attrs.targetField}" is not the model's target`,
      );
    // An association rule's feature (its own module knows the rules).
    const rule = functionName === 'associationRules' ? ruleFeatureOf(of) : undefined;
    const dataType: DataType = of.attrs.dataType
      ? dataTypeOf(of)
      : rule
        ? ruleDataType(rule)
        : feature === 'predictedValue'
          ? target.dataType
          : feature === 'predictedDisplayValue' || feature === 'entityId'
            ? 'string'
            : 'double';
    const compute: Compute = rule
      ? (_env, r) => ruleFeatureValue(rule, r.rules)
      : compileFeature(
          of,
          feature,
          where,
          scope,
          ctx,
          functionName,
          target,
          of.attrs.dataType ? dataType : undefined,
          classAnswers,
        );
    const list = rule !== undefined && answersList(rule);
    const cast = list ? (v: Value) => v : caster(dataType);
    const slot = ctx.slots.next();
    computes.push((env, r) => cast(compute(env, r)));
    const def: OutputDef = {
      name,
      slot,
      dataType,
      feature,
      isFinal: of.attrs.isFinalResult !== 'false',
      ...(list ? { json: true } : {}),
    };
    defs.push(def);
    const field = {
      name,
      dataType,
      optype: (of.attrs.optype as OpType) ?? (dataType === 'string' ? 'categorical' : 'continuous'),
      get: (env: Env) => env[slot] ?? null,
    };
    scope.define(field);
    outerScope?.define(field);
  }
  const slots = defs.map((d) => d.slot);
  return {
    defs,
    fill: (env, r) => {
      for (let i = 0; i < computes.length; i++) env[slots[i]!] = computes[i]!(env, r);
    },
  };
}

function compileFeature(
  of: XmlElement,
  feature: string,
  where: string,
  scope: Scope,
  ctx: CompileContext,
  functionName: MiningFunction,
  target: TargetInfo,
  declared: DataType | undefined,
  classAnswers: ClassAnswers,
): Compute {
  const value = of.attrs.value;
  const requires = (fn: MiningFunction) => {
    if (functionName !== fn)
      throw new UnusableArtifactError(`${where}: feature="${feature}" needs a ${fn} model`);
  };
  switch (feature) {
    case 'predictedValue':
      return (_env, r) => r.value;
    case 'predictedDisplayValue': {
      // The display value declared for the predicted category (the Target's, else the
      // DataField's), else the value's own text; a cluster's is its name.
      const display = target.displayValues;
      return (_env, r) => {
        if (r.displayValue !== undefined) return r.displayValue;
        if (r.value === null) return null;
        const k = key(r.value);
        return display?.get(k) ?? k;
      };
    }
    case 'probability': {
      requires('classification');
      if (classAnswers !== 'probability')
        throw unusable(of, `${where}: feature="probability" of a model that answers confidences`);
      if (value === undefined)
        return (_env, r) =>
          r.value === null ? null : (r.probabilities?.get(key(r.value)) ?? null);
      const k = key(toType(value, target.dataType) ?? value);
      // A category the model gives no probability for has probability 0; a model that gives
      // none at all (a one-against-all SVM) answers no probability.
      return (_env, r) => (r.probabilities ? (r.probabilities.get(k) ?? 0) : null);
    }
    case 'confidence': {
      if (classAnswers !== 'confidence')
        throw unusable(
          of,
          `${where}: feature="confidence" is supported for RuleSetModel only (other models answer probabilities)`,
        );
      // Keyed by the category's text, as the rule's score is written; a category no rule fired
      // for has confidence 0 (as the reference evaluator answers).
      return (_env, r) => {
        const k = value ?? (r.value === null ? null : key(r.value));
        return k === null || !r.confidences ? null : (r.confidences.get(k) ?? 0);
      };
    }
    case 'residual': {
      // The target's name resolves as any field reference of the Output does: an earlier output
      // field of that name shadows the record's value (as in the reference evaluator).
      const expected = target.name === undefined ? undefined : scope.resolve(target.name);
      return residual(of, where, functionName, classAnswers, expected);
    }
    case 'transformedValue':
    case 'decision': {
      const exprEl = expressionChild(of);
      if (!exprEl)
        throw new UnusableArtifactError(
          `${where}: feature="${feature}" without an expression is not supported`,
        );
      const g = compileExpression(exprEl, scope, ctx, where, declared).get;
      return (env) => g(env);
    }
    case 'entityId': {
      const rank = numAttr(of, 'rank', 1);
      if (rank === 1) return (_env, r) => r.entityId ?? null;
      return (_env, r) => r.entityIds?.[rank - 1] ?? null;
    }
    case 'clusterId':
      requires('clustering');
      return (_env, r) => r.clusterIndex ?? null;
    case 'affinity':
    case 'entityAffinity':
    case 'clusterAffinity': {
      requires('clustering');
      if (value === undefined)
        return (_env, r) =>
          r.entityId == null ? null : (r.affinities?.get(key(r.entityId)) ?? null);
      return (_env, r) => r.affinities?.get(value) ?? null;
    }
    case 'reasonCode': {
      const rank = numAttr(of, 'rank', 1);
      return (_env, r) => r.reasonCodes?.[rank - 1] ?? null;
    }
    default:
      throw unusable(of, `${where}: feature="${feature}" is not supported`);
  }
}

/**
 * feature="residual", as JPMML-Evaluator 1.7.7 answers it: the target's value (which the record
 * must then carry) minus the prediction for a continuous target; for a categorical one, 1 when the
 * predicted category is the target's value (else 0) minus the predicted category's probability.
 * No prediction, no residual; a prediction without the target's value is refused (400), as the
 * reference evaluator fails then. An earlier OutputField named like the target is read in the
 * record's value's place.
 */
function residual(
  of: XmlElement,
  where: string,
  functionName: MiningFunction,
  classAnswers: ClassAnswers,
  expected: FieldDef | undefined,
): Compute {
  if (!expected)
    throw unusable(
      of,
      `${where}: feature="residual" needs the target's value: only the top-level model's Output may ask for it`,
    );
  if (functionName === 'clustering' || classAnswers !== 'probability')
    throw unusable(
      of,
      `${where}: feature="residual" needs a regression or a classifier with probabilities`,
    );
  const { name, get } = expected;
  const read = (env: Env): Value => {
    const y = get(env);
    if (y === null)
      throw new InvalidInputError(
        `field ${name}: the model's ${where} (feature="residual") needs the target's value in the record`,
        name,
      );
    return y;
  };
  if (expected.optype === 'continuous')
    return (env, r) => (r.value === null ? null : (read(env) as number) - (r.value as number));
  return (env, r) => {
    if (r.value === null) return null;
    const y = read(env);
    const p = r.probabilities?.get(key(r.value));
    return p === undefined ? null : (key(y) === key(r.value) ? 1 : 0) - p;
  };
}
