import type { FieldSpec, Signature, ValueType } from '../../protocol/signature.js';

/** One parameter as the worker read it from the `parameters` cell. */
export interface NotebookParameter {
  name: string;
  /** Python type name: from the annotation, else from the default's value. */
  type: string;
  /** The default as written in the cell. */
  source: string;
  /** The default's value, when it is a JSON-representable literal. */
  default?: unknown;
  help: string;
}

const TYPES: Record<string, ValueType> = {
  int: 'int64',
  float: 'float64',
  bool: 'bool',
  str: 'string',
};

/**
 * Inputs typed from the defaults (int → int64, float → float64, bool, str → string, anything
 * else → json). Every parameter is optional: a call that leaves one out runs the notebook's
 * own default, as papermill does.
 */
export function notebookSignature(params: NotebookParameter[]): Signature {
  const inputs: FieldSpec[] = params.map((p) => {
    const type = TYPES[p.type] ?? 'json';
    const f: FieldSpec = { name: p.name, type, required: false };
    if (type !== 'json') f.shape = [];
    if (p.default !== undefined) f.default = p.default;
    const help = p.help.trim();
    f.help = help ? `${help} (default: ${p.source})` : `default: ${p.source}`;
    return f;
  });
  return { inputs, outputs: [{ name: 'outputs', type: 'json' }] };
}

/**
 * Converts a form or query-string value as papermill's CLI converts `-p` values (True/False,
 * None, int, float, else text), except that a parameter declared as text stays text.
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
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) || /^[-+]?(inf|nan)$/i.test(value))
    return Number(value);
  return value;
}
