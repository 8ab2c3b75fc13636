import { InvalidInputError } from '../errors.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import { fromCliString } from '../runtimes/notebook/notebook-signature.js';
import type { NotebookRuntime } from '../runtimes/types.js';
import type { RecordValidator } from '../validation/validate-records.js';
import { isObject, putField } from '../validation/put-field.js';
import type { ParameterInput } from './types.js';

/**
 * One set of notebook parameters from what the caller sent: text values (query string, form)
 * converted as `papermill -p` converts them, typed by the parameters' defaults, then a JSON
 * object over them. Not yet validated.
 */
export function notebookParameters(
  input: ParameterInput,
  signature: Signature,
): Record<string, unknown> {
  const types = new Map(signature.inputs.map((f) => [f.name, f.type]));
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.text))
    putField(params, k, fromCliString(v, types.get(k)));
  for (const [k, v] of Object.entries(jsonParameters(input))) putField(params, k, v);
  return params;
}

function jsonParameters(input: ParameterInput): Record<string, unknown> {
  if (input.json === undefined) return {};
  if (!isObject(input.json))
    throw new InvalidInputError('a notebook takes one JSON object of parameters, e.g. {"n": 3}');
  return input.json;
}

/** What a run is given, and what is kept of it. */
export interface RunParameters {
  /** What the caller passed, as the run record keeps it. */
  given: Record<string, unknown>;
  /** What the notebook is run with: the names the caller passed, nothing filled in. */
  passed: RecordValue;
  /**
   * Papermill mode: the text values (query string, form) that the JSON does not override, for
   * the worker to convert with papermill's own `-p` rules.
   */
  text: Record<string, string>;
  /** The record monitoring sees (defaults filled in), or none when it does not validate. */
  monitored: RecordValue | undefined;
  /** Names dropped as unknown (`unknownFields: "ignore"`). */
  ignored: readonly string[];
  /** What papermill would have warned of (papermill mode only). */
  warnings: string[];
}

/**
 * The parameters of one run, taken as the notebook's `config.parameters` says. Typed: checked
 * against the signature (a 400 naming the parameter), and only the names the caller passed go
 * to the notebook, as papermill injects only those; the notebook's defaults stay in its cell.
 * Papermill: passed on unchecked (text values as text, for papermill's `-p` rules), with
 * papermill's warnings.
 */
export function runParameters(
  input: ParameterInput,
  signature: Signature,
  validate: RecordValidator,
  runtime: Pick<NotebookRuntime, 'parameterMode' | 'parameterWarnings'>,
): RunParameters {
  if (runtime.parameterMode === 'papermill') {
    const json = jsonParameters(input);
    const text = Object.fromEntries(
      Object.entries(input.text).filter(([k]) => !Object.hasOwn(json, k)),
    );
    const given: Record<string, unknown> = {};
    for (const [k, v] of Object.entries({ ...text, ...json })) putField(given, k, v);
    let monitored: RecordValue | undefined;
    try {
      monitored = validate([notebookParameters(input, signature)]).records[0];
    } catch {
      // Not the types the cell declares: the run goes on as papermill's would, unmonitored.
    }
    const passed: RecordValue = {};
    for (const [k, v] of Object.entries(json)) putField(passed, k, v as RecordValue[string]);
    const warnings = runtime.parameterWarnings(Object.keys(given));
    return { given, passed, text, monitored, ignored: [], warnings };
  }
  const given = notebookParameters(input, signature);
  const validated = validate([given]);
  const record = validated.records[0]!;
  const passed: RecordValue = {};
  for (const name of Object.keys(given))
    if (Object.hasOwn(record, name)) putField(passed, name, record[name]);
  return { given, passed, text: {}, monitored: record, ignored: validated.ignored, warnings: [] };
}
