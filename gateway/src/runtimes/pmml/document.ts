import { UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, RecordValue, Signature, ValueType } from '../../protocol/signature.js';
import { defineDerivedFields } from './expressions.js';
import { compileBasketInputs } from './basket-input.js';
import { compileInputs, type InputField } from './mining-schema.js';
import { compileModel, isModelElement, type ModelContext } from './model.js';
import type { CompiledModel } from './model-types.js';
import { NestingGuard } from './nesting.js';
import { Scope, SlotAllocator } from './scope.js';
import { attr, key, toJson, type DataType, type Env, type Value } from './values.js';
import {
  child,
  childrenNamed,
  DEFAULT_LIMITS,
  parseXml,
  type XmlElement,
  type XmlLimits,
} from './xml.js';

/** A PMML document compiled for scoring. Immutable; safe to share between requests. */
export interface PmmlModel {
  readonly signature: Signature;
  readonly warnings: readonly string[];
  /** How many of its trees are scored as flat arrays (sums of plain regression trees). */
  readonly flattenedTrees: number;
  /** Scores one record (already validated against the signature's types). */
  score(record: RecordValue): Record<string, unknown>;
}

const SIGNATURE_TYPES: Record<DataType, ValueType> = {
  double: 'float64',
  float: 'float64',
  integer: 'int64',
  string: 'string',
  boolean: 'bool',
};

type Answer = (
  env: Env,
  result: ReturnType<CompiledModel['evaluate']>,
  out: Record<string, unknown>,
) => void;

/**
 * Parses and compiles a PMML document: DataDictionary, TransformationDictionary, the first model
 * and everything inside it, into closures over a per-record slot array. Anything the evaluator
 * does not implement fails here with a 422 naming the element, never later with a wrong answer.
 */
export function compilePmml(bytes: Uint8Array, limits: XmlLimits = DEFAULT_LIMITS): PmmlModel {
  return compileDocument(parseXml(bytes, limits), limits);
}

/**
 * Compiles a parsed PMML document (see {@link compilePmml}). Computations nesting deeper than
 * `limits.maxDepth` are refused, so neither this compile nor scoring recurses past it; should
 * the call stack run out all the same, the document is refused, not the caller broken.
 */
export function compileDocument(root: XmlElement, limits: XmlLimits = DEFAULT_LIMITS): PmmlModel {
  try {
    return compileRoot(root, limits);
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message))
      throw new UnusableArtifactError(
        'the PMML document nests too deeply to compile; lower config.maxDepth',
        'unusable_artifact',
        { cause: err },
      );
    throw err;
  }
}

function compileRoot(root: XmlElement, limits: XmlLimits): PmmlModel {
  const warnings: string[] = [];
  const dd = child(root, 'DataDictionary');
  if (!dd) throw new UnusableArtifactError('the PMML document has no DataDictionary');
  const dataFields = new Map<string, XmlElement>();
  for (const df of childrenNamed(dd, 'DataField')) dataFields.set(attr(df, 'name'), df);
  const td = child(root, 'TransformationDictionary');
  const functions = new Map<string, XmlElement>();
  for (const f of td ? childrenNamed(td, 'DefineFunction') : []) functions.set(attr(f, 'name'), f);
  const ctx: ModelContext = {
    slots: new SlotAllocator(),
    functions,
    compiledFunctions: new Map(),
    nesting: new NestingGuard(limits.maxDepth),
    flattened: { trees: 0 },
    dataFields,
  };
  const models = root.children.filter(isModelElement);
  if (models.length === 0) throw new UnusableArtifactError('the PMML document holds no model');
  if (models.length > 1)
    warnings.push(
      `the document holds ${models.length} models; the first (${models[0]!.name}) is served`,
    );
  const top = models[0]!;
  const miningSchema = child(top, 'MiningSchema');
  if (!miningSchema) throw new UnusableArtifactError(`${top.name} has no MiningSchema`);

  const scope = new Scope();
  const inputs =
    top.name === 'AssociationModel'
      ? compileBasketInputs(miningSchema, dataFields, scope, ctx.slots)
      : compileInputs(miningSchema, dataFields, scope, ctx.slots, asksForResidual(top));
  defineDerivedFields(td, scope, ctx);
  const model = compileModel(top, scope, ctx, undefined, true);

  const { outputs, answers } = planAnswer(model);
  const nSlots = ctx.slots.count;
  const prepare = inputs.map((i) => i.prepare);
  const evaluate = model.evaluate;
  return {
    signature: { inputs: inputs.map((i: InputField) => i.spec), outputs },
    warnings,
    flattenedTrees: ctx.flattened.trees,
    score(record) {
      const env: Env = new Array(nSlots);
      for (let i = 0; i < prepare.length; i++) prepare[i]!(record, env);
      const r = evaluate(env);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < answers.length; i++) answers[i]!(env, r, out);
      return out;
    },
  };
}

/** Whether the model's Output has a residual, which needs the target's value in the record. */
function asksForResidual(model: XmlElement): boolean {
  const output = child(model, 'Output');
  return (
    !!output && childrenNamed(output, 'OutputField').some((f) => f.attrs.feature === 'residual')
  );
}

/**
 * What a prediction holds: the model's final Output fields, and those of the segments that can
 * answer for it (a chain's last ones; empty unless theirs answered); the target field with the
 * predicted value when the model's own Output does not carry it; and, for a classifier without
 * any Output (that answers probabilities), the probability of each category as
 * `probability(<category>)`.
 */
function planAnswer(model: CompiledModel): { outputs: FieldSpec[]; answers: Answer[] } {
  const outputs: FieldSpec[] = [];
  const answers: Answer[] = [];
  const seen = new Set<string>();
  const finals = model.outputs.filter((o) => o.isFinal);
  for (const o of finals) {
    if (seen.has(o.name)) continue;
    seen.add(o.name);
    const spec: FieldSpec = o.json
      ? { name: o.name, type: 'json' }
      : { name: o.name, type: SIGNATURE_TYPES[o.dataType], shape: [] };
    if (o.feature === 'predictedValue' && model.target.categories)
      spec.values = model.target.categories.map((c) => toJson(c) as string | number | boolean);
    outputs.push(spec);
    const { name } = o;
    // Segments that can answer may name an output alike: the one that answered has it.
    const slots = finals.filter((d) => d.name === name).map((d) => d.slot);
    if (slots.length === 1) {
      const slot = slots[0]!;
      answers.push((env, _r, out) => {
        out[name] = toJson((env[slot] as Value | undefined) ?? null);
      });
    } else
      answers.push((env, _r, out) => {
        let v: Value = null;
        for (const s of slots) if ((v = (env[s] as Value | undefined) ?? null) !== null) break;
        out[name] = toJson(v);
      });
  }
  const hasPredicted = finals.some((o) => o.feature === 'predictedValue' && !o.nested);
  const target = model.target;
  // Association rules predict no value: their Output fields are the whole answer.
  if (!hasPredicted && model.functionName !== 'associationRules') {
    const name = target.name ?? (model.functionName === 'clustering' ? 'cluster' : 'prediction');
    if (!seen.has(name)) {
      seen.add(name);
      const spec: FieldSpec = { name, type: SIGNATURE_TYPES[target.dataType], shape: [] };
      if (target.categories)
        spec.values = target.categories.map((c) => toJson(c) as string | number | boolean);
      outputs.unshift(spec);
      answers.unshift((_env, r, out) => {
        out[name] = toJson(r.value);
      });
    }
  }
  // A RuleSetModel answers confidences, not probabilities: it has no such columns.
  const answersProbabilities = model.classAnswers !== 'confidence';
  if (
    finals.length === 0 &&
    model.functionName === 'classification' &&
    answersProbabilities &&
    target.categories
  ) {
    for (const c of target.categories) {
      const name = `probability(${key(c)})`;
      if (seen.has(name)) continue;
      seen.add(name);
      const k = key(c);
      outputs.push({ name, type: 'float64', shape: [] });
      answers.push((_env, r, out) => {
        out[name] = r.probabilities ? (r.probabilities.get(k) ?? 0) : null;
      });
    }
  }
  return { outputs, answers };
}
