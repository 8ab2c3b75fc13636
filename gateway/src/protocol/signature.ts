/**
 * Wire types describing what a deployment accepts and returns.
 * Shared with the JupyterLab extension: this file imports nothing.
 */

/** Element types a signature field can carry. Names follow ONNX / numpy. */
export type ValueType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'json';

/** Every `ValueType`, for validators. */
export const VALUE_TYPES = [
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'string',
  'json',
] as const satisfies readonly ValueType[];

/** One named input or output of a deployment. */
export interface FieldSpec {
  name: string;
  type: ValueType;
  /**
   * Shape of ONE record's value, without the batch dimension.
   * `[]` is a scalar; `null` entries are free dimensions. Absent = any shape.
   */
  shape?: (number | null)[];
  /** Allowed values, when the field is categorical. */
  values?: (string | number | boolean)[];
  /** Default used when a record leaves the field out (notebook parameters). */
  default?: unknown;
  /** Human help text. */
  help?: string;
  /** When false a record may leave the field out. Default true. */
  required?: boolean;
  /**
   * When true `null` is a missing value the model itself handles, whatever the type (PMML's
   * missing-value treatment, for a categorical field too). Float fields always take `null`.
   */
  nullable?: boolean;
}

/** What a deployment accepts and returns. */
export interface Signature {
  inputs: FieldSpec[];
  outputs: FieldSpec[];
}

/** One record: input name to value. */
export type RecordValue = Record<string, unknown>;
