import { InvalidInputError, UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, RecordValue, ValueType } from '../../protocol/signature.js';
import type { OpType, Scope, SlotAllocator } from './scope.js';
import { intervalTest } from './transformations.js';
import {
  attr,
  dataTypeOf,
  enumAttr,
  key,
  numAttr,
  toType,
  toJson,
  type DataType,
  type Env,
  type Value,
} from './values.js';
import { childrenNamed, type XmlElement } from './xml.js';

/** One active input field, compiled: how a record's value becomes the model's value. */
export interface InputField {
  readonly name: string;
  readonly slot: number;
  readonly spec: FieldSpec;
  /** Reads, converts, checks and treats the record's value; throws 400 for returnInvalid. */
  readonly prepare: (record: RecordValue, env: Env) => void;
}

const SIGNATURE_TYPES: Record<DataType, ValueType> = {
  double: 'float64',
  float: 'float64',
  integer: 'int64',
  string: 'string',
  boolean: 'bool',
};

type InvalidTreatment = 'returnInvalid' | 'asIs' | 'asMissing' | 'asValue';

/**
 * Compiles the top-level model's MiningSchema against the DataDictionary: one input per active
 * field, defined in `scope`, with PMML's value handling — missing values (absent, null, NaN or a
 * value the DataField declares missing) take `missingValueReplacement`; invalid values (outside
 * the declared categories or intervals, or not of the field's type) follow
 * `invalidValueTreatment`; outliers follow `outliers`. With `withTarget` (an Output field asks for
 * the residual), the target field is an input too, read like the others.
 */
export function compileInputs(
  miningSchema: XmlElement,
  dataFields: ReadonlyMap<string, XmlElement>,
  scope: Scope,
  slots: SlotAllocator,
  withTarget = false,
): InputField[] {
  const inputs: InputField[] = [];
  for (const mf of childrenNamed(miningSchema, 'MiningField')) {
    const usage = mf.attrs.usageType ?? 'active';
    const isTarget = usage === 'target' || usage === 'predicted';
    if (usage !== 'active' && !(withTarget && isTarget)) continue;
    const name = attr(mf, 'name');
    const df = dataFields.get(name);
    if (!df) throw new UnusableArtifactError(`MiningField "${name}" is not in the DataDictionary`);
    inputs.push(compileInput(mf, df, scope, slots));
  }
  return inputs;
}

function compileInput(
  mf: XmlElement,
  df: XmlElement,
  scope: Scope,
  slots: SlotAllocator,
): InputField {
  const name = attr(df, 'name');
  const where = `MiningField "${name}"`;
  const dataType = dataTypeOf(df);
  const optype = (mf.attrs.optype ??
    df.attrs.optype ??
    (dataType === 'string' ? 'categorical' : 'continuous')) as OpType;
  const valid: Value[] = [];
  const missingValues = new Set<string>();
  const invalidValues = new Set<string>();
  for (const v of childrenNamed(df, 'Value')) {
    const raw = attr(v, 'value');
    const property = v.attrs.property ?? 'valid';
    if (property === 'missing') missingValues.add(key(toType(raw, dataType) ?? raw));
    else if (property === 'invalid') invalidValues.add(key(toType(raw, dataType) ?? raw));
    else {
      const parsed = toType(raw, dataType);
      if (parsed === undefined || parsed === null)
        throw new UnusableArtifactError(
          `DataField "${name}": Value "${raw}" is not a valid ${dataType}`,
        );
      valid.push(parsed);
    }
  }
  const validKeys = new Set(valid.map(key));
  const intervals = childrenNamed(df, 'Interval').map(intervalTest);
  // Categories bound a categorical field; for a continuous one, intervals (and listed values) do.
  const bounded = optype === 'continuous' ? intervals.length > 0 : valid.length > 0;
  // A number's key is text: made only when a set of values is there to look it up in (a
  // continuous field checked against its intervals needs none, record after record).
  const isValid = (v: Value): boolean => {
    if (invalidValues.size && invalidValues.has(key(v))) return false;
    if (!bounded) return true;
    if (optype === 'continuous' && typeof v === 'number')
      for (let i = 0; i < intervals.length; i++) if (intervals[i]!(v)) return true;
    return validKeys.size > 0 && validKeys.has(key(v));
  };
  const invalidTreatment = enumAttr<InvalidTreatment>(
    mf,
    'invalidValueTreatment',
    ['returnInvalid', 'asIs', 'asMissing', 'asValue'],
    'returnInvalid',
  );
  const invalidReplacement =
    mf.attrs.invalidValueReplacement !== undefined
      ? (toType(mf.attrs.invalidValueReplacement, dataType) ?? null)
      : null;
  const missingReplacement =
    mf.attrs.missingValueReplacement !== undefined
      ? toType(mf.attrs.missingValueReplacement, dataType)
      : null;
  if (missingReplacement === undefined)
    throw new UnusableArtifactError(`${where}: missingValueReplacement is not a valid ${dataType}`);
  const outliers = enumAttr(mf, 'outliers', ['asIs', 'asMissingValues', 'asExtremeValues'], 'asIs');
  const low = numAttr(mf, 'lowValue', Number.NEGATIVE_INFINITY);
  const high = numAttr(mf, 'highValue', Number.POSITIVE_INFINITY);
  const checkOutliers = outliers !== 'asIs' && (low > -Infinity || high < Infinity);

  const slot = slots.next();
  const describeAllowed = () =>
    valid.length
      ? `one of ${valid
          .slice(0, 20)
          .map((v) => JSON.stringify(v))
          .join(', ')}${valid.length > 20 ? ', …' : ''}`
      : `a ${dataType} within the field's intervals`;
  // Most fields are unbounded doubles that arrive as numbers: they need no conversion or check.
  const plainDouble =
    (dataType === 'double' || dataType === 'float') &&
    !bounded &&
    !invalidValues.size &&
    !missingValues.size &&
    !checkOutliers;
  const isFloat = dataType === 'float';
  const prepare = (record: RecordValue, env: Env): void => {
    const raw = record[name];
    if (plainDouble && typeof raw === 'number' && !Number.isNaN(raw)) {
      env[slot] = isFloat ? Math.fround(raw) : raw;
      return;
    }
    let v: Value | undefined =
      raw === undefined || raw === null || (typeof raw === 'number' && Number.isNaN(raw))
        ? null
        : toType(raw, dataType);
    // A value the DataField declares missing (e.g. -999) is missing, however it is written.
    if (missingValues.size && v !== undefined && v !== null && missingValues.has(key(v))) v = null;
    if (v === undefined || (v !== null && !isValid(v))) {
      switch (invalidTreatment) {
        case 'returnInvalid':
          throw new InvalidInputError(
            `field ${name}: ${JSON.stringify(raw)} is not a valid value; expected ${describeAllowed()}`,
            name,
          );
        case 'asMissing':
          v = null;
          break;
        case 'asValue':
          v = invalidReplacement;
          break;
        case 'asIs':
          // A value of another type cannot be used as it is: it counts as missing.
          if (v === undefined) v = null;
          break;
      }
    }
    if (v === null) v = missingReplacement;
    else if (checkOutliers && typeof v === 'number' && (v < low || v > high)) {
      v = outliers === 'asMissingValues' ? missingReplacement : v < low ? low : high;
    }
    env[slot] = v;
  };
  scope.define({
    name,
    dataType,
    optype,
    get: (env) => env[slot] as Value,
    ...(valid.length ? { values: valid } : {}),
  });
  // A field that says how to treat a missing value may be left out of a record.
  const handlesMissing =
    mf.attrs.missingValueReplacement !== undefined || mf.attrs.missingValueTreatment !== undefined;
  // Every PMML input has a missing-value treatment (asIs when the document names none), so a
  // null is scorable for a field of any type: the document says what a missing value does.
  const spec: FieldSpec = { name, type: SIGNATURE_TYPES[dataType], shape: [], nullable: true };
  // Only returnInvalid makes the categories a hard limit; with asIs or asMissing an unknown
  // category is a value the model knows how to score, so the gateway's validator must let it in.
  if (valid.length && invalidTreatment === 'returnInvalid')
    spec.values = valid.map((v) => toJson(v) as string | number | boolean);
  if (handlesMissing) spec.required = false;
  const help = [df.attrs.displayName, describeIntervals(df)].filter(Boolean).join('; ');
  if (help) spec.help = help;
  return { name, slot, spec, prepare };
}

function describeIntervals(df: XmlElement): string | undefined {
  const ivs = childrenNamed(df, 'Interval');
  if (!ivs.length) return undefined;
  return `valid range ${ivs
    .map((iv) => {
      const c = iv.attrs.closure ?? 'openClosed';
      const l = iv.attrs.leftMargin ?? '-∞';
      const r = iv.attrs.rightMargin ?? '∞';
      return `${c.startsWith('closed') ? '[' : '('}${l}, ${r}${c.endsWith('Closed') ? ']' : ')'}`;
    })
    .join(' ∪ ')}`;
}
