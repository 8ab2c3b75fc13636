import { InvalidInputError, UnusableArtifactError } from '../../errors.js';
import { BUILTINS, sameValue } from './builtins.js';
import { compileDiscretize, compileMapValues, compileNormContinuous } from './transformations.js';
import { depthOf, type NestingGuard } from './nesting.js';
import { Scope, type FieldDef, type OpType, type SlotAllocator } from './scope.js';
import {
  attr,
  dataTypeOf,
  describe,
  looseConstant,
  toType,
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
      throw new UnusableArtifactError(`${c.name} (in ${describe(el)}) is not supported`);
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
): CompiledExpression {
  ctx.nesting.enter(where);
  try {
    const e = compileElement(el, scope, ctx, where);
    ctx.nesting.check(e.depth, where);
    return e;
  } finally {
    ctx.nesting.leave();
  }
}

function compileElement(
  el: XmlElement,
  scope: Scope,
  ctx: CompileContext,
  where: string,
): CompiledExpression {
  switch (el.name) {
    case 'Constant': {
      if (el.attrs.missing === 'true')
        return { get: () => null, dataType: dataTypeOf(el, 'string'), depth: 1 };
      const t = el.attrs.dataType ? dataTypeOf(el) : undefined;
      const v = t ? toType(el.text, t) : looseConstant(el.text);
      if (v === undefined)
        throw new UnusableArtifactError(`${where}: Constant "${el.text}" is not a valid ${t}`);
      return {
        get: () => v,
        dataType: t ?? (typeof v === 'number' ? 'double' : 'string'),
        depth: 1,
      };
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
      return compileApply(el, scope, ctx, where);
    default:
      throw new UnusableArtifactError(`${where}: expression ${el.name} is not supported`);
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

function compileApply(
  el: XmlElement,
  scope: Scope,
  ctx: CompileContext,
  where: string,
): CompiledExpression {
  const fn = attr(el, 'function');
  const args: CompiledExpression[] = [];
  // A loop rather than map(): each level of nesting costs the compiler fewer stack frames.
  for (const c of el.children)
    if (c.name !== 'Extension') args.push(compileExpression(c, scope, ctx, where));
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
  throw new UnusableArtifactError(`${where}: function "${fn}" is not supported`);
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
  const { get: body, depth } = compileExpression(bodyEl, scope, ctx, `DefineFunction "${name}"`);
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
  const { get: expr, depth } = compileExpression(exprEl, scope, ctx, where);
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
      throw new UnusableArtifactError(`${el.name} in ${container.name} is not supported`);
    }
  }
}
