import { InvalidInputError, UnusableArtifactError } from '../../errors.js';
import { BUILTINS, COMPARISONS, sameValue } from './builtins.js';
import { compileDiscretize, compileMapValues, compileNormContinuous } from './transformations.js';
import { depthOf, type NestingGuard } from './nesting.js';
import { Scope, type FieldDef, type OpType, type SlotAllocator } from './scope.js';
import {
  attr,
  dataTypeOf,
  describe,
  isNumeric,
  looseConstant,
  toType,
  unusable,
  type DataType,
  type Env,
  type Getter,
  type Value,
} from './values.js';
import { childrenNamed, type XmlElement } from './xml.js';

/** What compiling needs besides the names in scope. */
export interface CompileContext {
  readonly slots: SlotAllocator;
  /** `DefineFunction` elements of the TransformationDictionary, by name. */
  readonly functions: ReadonlyMap<string, XmlElement>;
  /** User-defined functions compiled so far. */
  readonly compiledFunctions: Map<string, CompiledFunction>;
  /** Bounds the nesting of computations (`config.maxDepth`). */
  readonly nesting: NestingGuard;
  /** Trees of the document scored as flat arrays (models/flat-trees.ts), counted as compiled. */
  readonly flattened: { trees: number };
}

interface CompiledFunction {
  readonly params: number[];
  readonly body: Getter;
  /** Nested calls its body takes (see {@link CompiledExpression.depth}). */
  readonly depth: number;
}

/** A compiled expression: how to compute it and what type it yields. */
export interface CompiledExpression {
  readonly get: Getter;
  readonly dataType: DataType;
  /** How many nested calls computing it takes when a record is scored. */
  readonly depth: number;
}

/**
 * Built-in functions that compute on numbers: a Constant argument that is no number leaves them
 * nothing to compute (the reference evaluator fails every such call), so the document is refused.
 */
const NUMERIC_FUNCTIONS = new Set([
  '+',
  '-',
  '*',
  '/',
  'min',
  'max',
  'sum',
  'avg',
  'median',
  'product',
  'log10',
  'ln',
  'sqrt',
  'abs',
  'exp',
  'pow',
  'threshold',
  'floor',
  'ceil',
  'round',
  'modulo',
  'expm1',
  'log1p',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'atan2',
  'sinh',
  'cosh',
  'tanh',
  'hypot',
  'erf',
  'stdNormalCDF',
  'stdNormalPDF',
  'stdNormalIDF',
  'normalCDF',
  'normalPDF',
  'normalIDF',
]);

/**
 * A Constant's value as written: typed by its `dataType`, else read as PMML says (an integer or
 * a double when the text is a number, a string otherwise). Empty content is a missing value of a
 * non-string type and an empty string otherwise (PMML 4.4, Constant).
 */
function constantValue(el: XmlElement, where: string): { value: Value; dataType: DataType } {
  if (el.attrs.missing === 'true') return { value: null, dataType: dataTypeOf(el, 'string') };
  const t = el.attrs.dataType ? dataTypeOf(el) : undefined;
  if (el.text === '') return { value: t && t !== 'string' ? null : '', dataType: t ?? 'string' };
  if (!t) {
    const v = looseConstant(el.text);
    return { value: v, dataType: typeof v === 'number' ? 'double' : 'string' };
  }
  const v = toType(el.text, t);
  if (v === undefined) throw unusable(el, `${where}: Constant "${el.text}" is not a valid ${t}`);
  return { value: v, dataType: t };
}

/** Whether a value can stand where `t` is expected (numbers for a numeric type, and so on). */
function fits(v: Value, t: DataType): boolean {
  if (v === null || t === 'string') return true;
  // Text that reads as a number (NaN included: a missing number) is one.
  if (isNumeric(t)) return typeof v === 'number' || toType(v, 'double') !== undefined;
  return toType(v, t) !== undefined;
}

const EXPRESSIONS = new Set([
  'Constant',
  'FieldRef',
  'NormContinuous',
  'NormDiscrete',
  'Discretize',
  'MapValues',
  'Apply',
]);

/** The expression child of an element (DerivedField, OutputField, NeuralInput…), if any. */
export function expressionChild(el: XmlElement): XmlElement | undefined {
  for (const c of el.children) {
    if (EXPRESSIONS.has(c.name)) return c;
    if (c.name === 'Aggregate' || c.name === 'Lag' || c.name === 'TextIndex')
      throw unusable(c, `${c.name} (in ${describe(el)}) is not supported`);
  }
  return undefined;
}

/**
 * Compiles one expression element into code over a record's slots. Refused when computing it
 * nests deeper than `config.maxDepth` (see {@link NestingGuard}).
 */
export function compileExpression(
  el: XmlElement,
  scope: Scope,
  ctx: CompileContext,
  where: string,
  expected?: DataType,
): CompiledExpression {
  ctx.nesting.enter(where);
  try {
    const e = compileElement(el, scope, ctx, where, expected);
    ctx.nesting.check(e.depth, where);
    return e;
  } finally {
    ctx.nesting.leave();
  }
}

/**
 * `expected` is the type the context takes the value as (a derived field's type, a number for
 * arithmetic): a Constant that cannot be one is refused here, naming it and its line, rather
 * than read as missing on every record.
 */
function compileElement(
  el: XmlElement,
  scope: Scope,
  ctx: CompileContext,
  where: string,
  expected: DataType | undefined,
): CompiledExpression {
  switch (el.name) {
    case 'Constant': {
      const { value: v, dataType } = constantValue(el, where);
      if (expected && !fits(v, expected))
        throw unusable(
          el,
          `${where}: Constant "${el.text}" is used as a ${expected} value, which it cannot be`,
        );
      return { get: () => v, dataType, depth: 1 };
    }
    case 'FieldRef': {
      const f = scope.require(attr(el, 'field'), where);
      const get = withMapMissingTo(f.get, el.attrs.mapMissingTo);
      return { get, dataType: f.dataType, depth: depthOf(f) + 1 };
    }
    case 'NormContinuous': {
      const get = compileNormContinuous(el, scope, where);
      const depth = depthOf(scope.require(attr(el, 'field'), where)) + 1;
      return { get, dataType: 'double', depth };
    }
    case 'NormDiscrete': {
      const f = scope.require(attr(el, 'field'), where);
      const target = toType(attr(el, 'value'), f.dataType);
      const missing = looseConstant(el.attrs.mapMissingTo);
      const g = f.get;
      return {
        get: (env) => {
          const v = g(env);
          return v === null ? missing : sameValue(v, target ?? null) ? 1 : 0;
        },
        dataType: 'double',
        depth: depthOf(f) + 1,
      };
    }
    case 'Discretize':
      return compileDiscretize(el, scope, where);
    case 'MapValues':
      return compileMapValues(el, scope, where);
    case 'Apply':
      return compileApply(el, scope, ctx, where, expected);
    default:
      throw unusable(el, `${where}: expression ${el.name} is not supported`);
  }
}

function withMapMissingTo(get: Getter, raw: string | undefined): Getter {
  if (raw === undefined) return get;
  const replacement = looseConstant(raw);
  return (env) => {
    const v = get(env);
    return v === null ? replacement : v;
  };
}

/** An Apply whose result is NaN or infinite: PMML calls it invalid. */
function invalidResult(fn: string, where: string, treatment: string): Value {
  if (treatment === 'asMissing') return null;
  throw new InvalidInputError(
    `${where}: function ${fn} gives no valid value for this record (e.g. a division by zero or a logarithm of a non-positive number)`,
    where,
  );
}

/** The type each argument of a call is taken as, where the function fixes one. */
function argumentTypes(fn: string, def: XmlElement | undefined, expected: DataType | undefined) {
  if (NUMERIC_FUNCTIONS.has(fn)) return () => 'double' as const;
  // `if` answers one of its branches: they are taken as what the call is taken as.
  if (fn === 'if') return (i: number) => (i === 0 ? undefined : expected);
  if (def) {
    const params = childrenNamed(def, 'ParameterField').map((p) =>
      p.attrs.dataType ? dataTypeOf(p) : undefined,
    );
    return (i: number) => params[i];
  }
  return () => undefined;
}

function compileApply(
  el: XmlElement,
  scope: Scope,
  ctx: CompileContext,
  where: string,
  expected: DataType | undefined,
): CompiledExpression {
  const fn = attr(el, 'function');
  const typeOf = argumentTypes(fn, BUILTINS.has(fn) ? undefined : ctx.functions.get(fn), expected);
  const args: CompiledExpression[] = [];
  // A loop rather than map(): each level of nesting costs the compiler fewer stack frames.
  for (const c of el.children)
    if (c.name !== 'Extension')
      args.push(compileExpression(c, scope, ctx, where, typeOf(args.length)));
  comparedConstants(fn, el, args, where);
  const getters = args.map((a) => a.get);
  let depth = 1;
  for (const a of args) if (a.depth + 1 > depth) depth = a.depth + 1;
  const mapMissingTo = looseConstant(el.attrs.mapMissingTo);
  const defaultValue = looseConstant(el.attrs.defaultValue);
  const treatment = el.attrs.invalidValueTreatment ?? 'returnInvalid';
  if (!['returnInvalid', 'asMissing', 'asIs'].includes(treatment))
    throw new UnusableArtifactError(
      `${where}: Apply invalidValueTreatment="${treatment}" is not supported`,
    );
  const arity = (min: number, max: number) => {
    if (getters.length < min || getters.length > max)
      throw new UnusableArtifactError(
        `${where}: function ${fn} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${getters.length}`,
      );
  };
  const orDefault = (v: Value): Value => (v === null ? defaultValue : v);

  if (fn === 'isMissing' || fn === 'isNotMissing') {
    arity(1, 1);
    const g = getters[0]!;
    const want = fn === 'isMissing';
    return { get: (env) => (g(env) === null) === want, dataType: 'boolean', depth };
  }
  if (fn === 'if') {
    arity(2, 3);
    const [c, t, e] = getters as [Getter, Getter, Getter | undefined];
    return {
      get: (env) => {
        const cond = c(env);
        if (cond === null) return mapMissingTo;
        const v = cond === true || cond === 'true' || cond === 1 ? t(env) : e ? e(env) : null;
        return orDefault(v);
      },
      dataType: args[1]!.dataType,
      depth,
    };
  }
  const builtin = BUILTINS.get(fn);
  if (builtin) {
    arity(builtin.minArgs, builtin.maxArgs);
    const dataType = builtin.resultType ?? args[0]?.dataType ?? 'double';
    const check = (r: Value): Value =>
      typeof r === 'number' && !Number.isFinite(r) && treatment !== 'asIs'
        ? orDefault(invalidResult(fn, where, treatment))
        : orDefault(r);
    // The arithmetic of scalers and one-hot encoders runs for every record: no argument array.
    if (getters.length === 2 && (fn === '+' || fn === '-' || fn === '*' || fn === '/')) {
      const [a, b] = getters as [Getter, Getter];
      const op = builtin.fn;
      return {
        get: (env) => {
          const x = a(env);
          if (x === null) return mapMissingTo;
          const y = b(env);
          if (y === null) return mapMissingTo;
          if (typeof x === 'number' && typeof y === 'number') {
            const r = fn === '+' ? x + y : fn === '-' ? x - y : fn === '*' ? x * y : x / y;
            return Number.isFinite(r) ? r : check(r);
          }
          return check(op([x, y]));
        },
        dataType,
        depth,
      };
    }
    const op = builtin.fn;
    return {
      get: (env) => {
        const vals: Value[] = new Array(getters.length);
        for (let i = 0; i < getters.length; i++) {
          const v = getters[i]!(env);
          if (v === null) return mapMissingTo;
          vals[i] = v;
        }
        return check(op(vals));
      },
      dataType,
      depth,
    };
  }
  const def = ctx.functions.get(fn);
  if (def) {
    const f = compileFunction(def, ctx);
    arity(f.params.length, f.params.length);
    const dataType = dataTypeOf(def, 'double');
    const { params, body } = f;
    // The call runs the body from inside this Apply.
    depth = Math.max(depth, f.depth + 1);
    return {
      get: (env) => {
        const vals: Value[] = new Array(getters.length);
        for (let i = 0; i < getters.length; i++) {
          const v = getters[i]!(env);
          if (v === null) return mapMissingTo;
          vals[i] = v;
        }
        // Parameters live in slots of their own; PMML functions cannot recurse, so a call
        // never overwrites the arguments of a call still running.
        for (let i = 0; i < params.length; i++) env[params[i]!] = vals[i];
        return orDefault(body(env));
      },
      dataType,
      depth,
    };
  }
  throw unusable(el, `${where}: function "${fn}" is not supported`);
}

const COMPARING: ReadonlySet<string> = new Set(COMPARISONS);

/**
 * A comparison of a number with a Constant that is no number compares nothing (the reference
 * evaluator fails every such call): refused, naming the Constant.
 */
function comparedConstants(
  fn: string,
  el: XmlElement,
  args: readonly CompiledExpression[],
  where: string,
): void {
  if (!COMPARING.has(fn) || args.length !== 2) return;
  const kids = el.children.filter((c) => c.name !== 'Extension');
  for (let i = 0; i < 2; i++) {
    const c = kids[i]!;
    const other = args[1 - i]!;
    if (c.name !== 'Constant' || !isNumeric(other.dataType)) continue;
    const v = args[i]!.get([]);
    if (!fits(v, 'double'))
      throw unusable(
        c,
        `${where}: Constant "${c.text}" is compared with a number, which it is not`,
      );
  }
}

function compileFunction(def: XmlElement, ctx: CompileContext): CompiledFunction {
  const name = attr(def, 'name');
  const done = ctx.compiledFunctions.get(name);
  if (done) return done;
  const scope = new Scope();
  const params: number[] = [];
  for (const p of childrenNamed(def, 'ParameterField')) {
    const slot = ctx.slots.next();
    params.push(slot);
    scope.define({
      name: attr(p, 'name'),
      dataType: dataTypeOf(p, 'double'),
      optype: (p.attrs.optype as OpType) ?? 'continuous',
      get: (env) => env[slot] ?? null,
    });
  }
  const bodyEl = expressionChild(def);
  if (!bodyEl) throw new UnusableArtifactError(`DefineFunction "${name}" has no expression`);
  // Mark it before compiling the body, so a function that calls itself is refused.
  const placeholder: CompiledFunction = {
    params,
    body: () => {
      throw new UnusableArtifactError(`DefineFunction "${name}" calls itself`);
    },
    depth: 1,
  };
  ctx.compiledFunctions.set(name, placeholder);
  const { get: body, depth } = compileExpression(
    bodyEl,
    scope,
    ctx,
    `DefineFunction "${name}"`,
    def.attrs.dataType ? dataTypeOf(def) : undefined,
  );
  const compiled = { params, body, depth };
  ctx.compiledFunctions.set(name, compiled);
  return compiled;
}

/** A converter to a declared type; values that cannot convert become missing. */
export function caster(t: DataType): (v: Value) => Value {
  switch (t) {
    case 'double':
      return (v) => (typeof v === 'number' ? v : (toType(v, t) ?? null));
    case 'float':
      return (v) => (typeof v === 'number' ? Math.fround(v) : (toType(v, t) ?? null));
    case 'integer':
      // Truncation toward zero, as a Java (int) cast of a computed double does.
      return (v) => (typeof v === 'number' ? Math.trunc(v) : (toType(v, t) ?? null));
    default:
      return (v) => toType(v, t) ?? null;
  }
}

/**
 * Compiles a `DerivedField`: its expression, cast to the declared type, computed at most once
 * per record (its slot caches it).
 */
export function compileDerivedField(el: XmlElement, scope: Scope, ctx: CompileContext): FieldDef {
  const name = attr(el, 'name');
  const dataType = dataTypeOf(el);
  const exprEl = expressionChild(el);
  if (!exprEl) throw new UnusableArtifactError(`DerivedField "${name}" has no expression`);
  const where = `DerivedField "${name}"`;
  const { get: expr, depth } = compileExpression(exprEl, scope, ctx, where, dataType);
  const cast = caster(dataType);
  const slot = ctx.slots.next();
  const get = (env: Env): Value => {
    let v = env[slot];
    if (v === undefined) {
      v = cast(expr(env));
      env[slot] = v;
    }
    return v;
  };
  const values = childrenNamed(el, 'Value').map((v) => toType(attr(v, 'value'), dataType) ?? null);
  return {
    name,
    dataType,
    optype: (el.attrs.optype as OpType) ?? 'continuous',
    get,
    // Its getter calls the expression's.
    depth: ctx.nesting.check(depth + 1, where),
    ...(values.length ? { values } : {}),
  };
}

/** Defines each DerivedField of a dictionary in `scope`, compiled when first referred to. */
export function defineDerivedFields(
  container: XmlElement | undefined,
  scope: Scope,
  ctx: CompileContext,
): void {
  if (!container) return;
  for (const el of container.children) {
    if (el.name === 'DerivedField') {
      const name = attr(el, 'name');
      scope.defineLazy(name, () => compileDerivedField(el, scope, ctx));
    } else if (el.name !== 'DefineFunction' && el.name !== 'Extension') {
      throw unusable(el, `${el.name} in ${container.name} is not supported`);
    }
  }
}
