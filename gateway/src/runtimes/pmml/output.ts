import { UnusableArtifactError } from '../../errors.js';
import { caster, compileExpression, expressionChild, type CompileContext } from './expressions.js';
import type { MiningFunction, ModelResult, OutputDef, TargetInfo } from './model-types.js';
import { Scope, type OpType } from './scope.js';
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
    const dataType: DataType = of.attrs.dataType
      ? dataTypeOf(of)
      : feature === 'predictedValue'
        ? target.dataType
        : feature === 'predictedDisplayValue' || feature === 'entityId'
          ? 'string'
          : 'double';
    const compute = compileFeature(
      of,
      feature,
      where,
      scope,
      ctx,
      functionName,
      target,
      of.attrs.dataType ? dataType : undefined,
    );
    const cast = caster(dataType);
    const slot = ctx.slots.next();
    computes.push((env, r) => cast(compute(env, r)));
    const def: OutputDef = {
      name,
      slot,
      dataType,
      feature,
      isFinal: of.attrs.isFinalResult !== 'false',
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
      if (value === undefined)
        return (_env, r) =>
          r.value === null ? null : (r.probabilities?.get(key(r.value)) ?? null);
      const k = key(toType(value, target.dataType) ?? value);
      // A category the model gives no probability for has probability 0; a model that gives
      // none at all (a one-against-all SVM) answers no probability.
      return (_env, r) => (r.probabilities ? (r.probabilities.get(k) ?? 0) : null);
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
    case 'entityId':
      return (_env, r) => r.entityId ?? null;
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
