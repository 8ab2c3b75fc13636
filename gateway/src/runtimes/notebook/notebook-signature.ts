import type { FieldSpec, Signature, ValueType } from '../../protocol/signature.js';

/** One parameter as the worker read it from the `parameters` cell. */
export interface NotebookParameter {
  name: string;
  /** Python type name: from the annotation, else from the default's value (`object` if not a literal). */
  type: string;
  /** The default as written in the cell. */
  source: string;
  /** The default's value, when it is a JSON-representable literal. */
  default?: unknown;
  /** The comment beside the parameter. */
  help: string;
}

const SCALAR_TYPES: Record<string, ValueType> = {
  int: 'int64',
  float: 'float64',
  bool: 'bool',
  str: 'string',
};

/**
 * Inputs typed from the defaults (int → int64, float → float64, bool, str → string; lists,
 * dicts and anything else → json). Every parameter is optional: a call that leaves one out
 * gets the notebook's own default, as with papermill.
 */
export function notebookSignature(params: NotebookParameter[]): Signature {
  const inputs: FieldSpec[] = params.map((p) => {
    const type = SCALAR_TYPES[p.type] ?? 'json';
    const field: FieldSpec = { name: p.name, type, required: false };
    if (type !== 'json') field.shape = [];
    if (p.default !== undefined) field.default = p.default;
    const help = p.help.trim();
    // A default that is an expression (`date.today()`) has no JSON form: show its source.
    const source = p.default === undefined ? `default: ${p.source}` : '';
    const text = [help, source].filter(Boolean).join('; ');
    if (text) field.help = text;
    return field;
  });
  return { inputs, outputs: [{ name: 'outputs', type: 'json' }] };
}

/**
 * Converts a form or query-string value as papermill's CLI converts `-p` values (True/False,
 * None, int, float, else text), except that a parameter declared as text stays text and a
 * json one is parsed as JSON first.
 */
export function fromCliString(value: string, type: ValueType | undefined): unknown {
  if (type === 'string') return value;
  if (type === 'json') {
    try {
      return JSON.parse(value);
    } catch {
      // papermill's rules below
    }
  }
  if (value === 'True' || value === 'true') return true;
  if (value === 'False' || value === 'false') return false;
  if (value === 'None') return null;
  if (/^[-+]?\d+$/.test(value)) return Number(value);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}
