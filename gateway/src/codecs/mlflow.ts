import { InvalidInputError } from '../errors.js';
import type { Signature } from '../protocol/signature.js';
import type { Prediction } from '../runtimes/types.js';
import { isObject, putField } from '../validation/put-field.js';
import { checkBatch, presentPrediction } from './records.js';
import type { RequestCodec } from './request-codec.js';

/** The request formats of MLflow's scoring server (`/invocations`). */
const KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
const ACCEPTED = KEYS.join(', ');

/**
 * An MLflow scoring request, turned into records (not yet validated):
 * - `{"dataframe_split": {"columns": [...], "data": [[...]], "index"?}}` (pandas `orient=split`;
 *   `index` is ignored, as MLflow does);
 * - `{"dataframe_records": [{...}]}` (pandas `orient=records`);
 * - `{"instances": [...]}`: each a record object or, when the signature has exactly one input,
 *   that input's value (TF Serving's row format);
 * - `{"inputs": {...}}`: columns `{a: [v1, v2], b: [...]}`, or `{"inputs": [...]}` as `instances`.
 *
 * Exactly one of these keys; `params` may sit beside it only when empty, since no Slipway
 * model takes inference parameters.
 */
export function decodeMlflowRequest(
  body: unknown,
  signature: Signature,
  maxBatch: number,
): unknown[] {
  if (!isObject(body))
    throw new InvalidInputError(`expected a JSON object with exactly one of ${ACCEPTED}`);
  let key: (typeof KEYS)[number] | undefined;
  for (const k in body) {
    if ((KEYS as readonly string[]).includes(k)) {
      if (key !== undefined)
        throw new InvalidInputError(
          `expected exactly one of ${ACCEPTED}; got both ${key} and ${k}`,
          k,
        );
      key = k as (typeof KEYS)[number];
    } else if (k === 'params') {
      const p = body.params;
      if (p !== null && !(isObject(p) && Object.keys(p).length === 0))
        throw new InvalidInputError(
          'params: this deployment takes no inference parameters; leave params out',
          'params',
        );
    } else {
      throw new InvalidInputError(`unknown key ${k}; expected exactly one of ${ACCEPTED}`, k);
    }
  }
  if (key === undefined)
    throw new InvalidInputError(`expected exactly one of ${ACCEPTED}; got none of them`);
  const value = body[key];
  let records: unknown[];
  if (key === 'dataframe_split') records = fromSplit(value, maxBatch);
  else if (key === 'dataframe_records') records = fromRecords(value, maxBatch);
  else if (key === 'inputs' && isObject(value)) records = fromColumns(value, key, maxBatch);
  else records = fromInstances(value, key, signature, maxBatch);
  return records;
}

function fromSplit(v: unknown, maxBatch: number): unknown[] {
  const at = 'dataframe_split';
  if (!isObject(v))
    throw new InvalidInputError(`${at}: expected {"columns": [...], "data": [[...]]}`, at);
  const { columns, data } = v;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string'))
    throw new InvalidInputError(
      `${at}.columns: expected an array of column (input) names`,
      `${at}.columns`,
    );
  // A set, not indexOf per column: a body may name hundreds of thousands of columns.
  const names = new Set<string>();
  for (const c of columns as string[]) {
    if (names.has(c))
      throw new InvalidInputError(`${at}.columns: column ${c} appears twice`, `${at}.columns`);
    names.add(c);
  }
  if (!Array.isArray(data))
    throw new InvalidInputError(`${at}.data: expected an array of rows`, `${at}.data`);
  checkBatch(data.length, maxBatch, `${at}.data`);
  const width = columns.length;
  const records = new Array<Record<string, unknown>>(data.length);
  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i];
    if (!Array.isArray(row) || row.length !== width)
      throw new InvalidInputError(
        `${at}.data[${i}]: expected a row of ${width} values (one per column), got ${Array.isArray(row) ? `${row.length}` : row === null ? 'null' : typeof row}`,
        `${at}.data[${i}]`,
      );
    const rec: Record<string, unknown> = {};
    for (let j = 0; j < width; j++) putField(rec, columns[j] as string, row[j]);
    records[i] = rec;
  }
  return records;
}

function fromRecords(v: unknown, maxBatch: number): unknown[] {
  const at = 'dataframe_records';
  if (!Array.isArray(v))
    throw new InvalidInputError(`${at}: expected an array of record objects`, at);
  checkBatch(v.length, maxBatch, at);
  // Checked here so that the error names the key the client used.
  const bad = v.findIndex((r) => !isObject(r));
  if (bad >= 0)
    throw new InvalidInputError(
      `${at}[${bad}]: expected a record object mapping column names to values`,
      `${at}[${bad}]`,
    );
  return v;
}

function fromColumns(cols: Record<string, unknown>, at: string, maxBatch: number): unknown[] {
  const names = Object.keys(cols);
  if (names.length === 0)
    throw new InvalidInputError(`${at}: expected at least one column {"name": [values]}`, at);
  let n = -1;
  for (const name of names) {
    const col = cols[name];
    if (!Array.isArray(col))
      throw new InvalidInputError(
        `${at}.${name}: expected an array of values, one per record`,
        `${at}.${name}`,
      );
    if (n >= 0 && col.length !== n)
      throw new InvalidInputError(
        `${at}.${name}: has ${col.length} values, the other columns have ${n}`,
        `${at}.${name}`,
      );
    n = col.length;
  }
  checkBatch(n, maxBatch, at);
  const records = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const rec: Record<string, unknown> = {};
    for (const name of names) putField(rec, name, (cols[name] as unknown[])[i]);
    records[i] = rec;
  }
  return records;
}

function fromInstances(
  v: unknown,
  at: 'instances' | 'inputs',
  signature: Signature,
  maxBatch: number,
): unknown[] {
  if (!Array.isArray(v))
    throw new InvalidInputError(
      at === 'inputs'
        ? 'inputs: expected an object of columns {"name": [values]} or an array of instances'
        : 'instances: expected an array of instances',
      at,
    );
  checkBatch(v.length, maxBatch, at);
  // A bare instance is the only input's value; an object is always a record (so a single
  // `json` input must be sent as {"name": value}).
  const only = signature.inputs.length === 1 ? signature.inputs[0]!.name : undefined;
  let records: unknown[] | undefined;
  for (let i = 0; i < v.length; i++) {
    const inst: unknown = v[i];
    if (isObject(inst)) {
      if (records) records[i] = inst;
      continue;
    }
    if (only === undefined)
      throw new InvalidInputError(
        `${at}[${i}]: expected a record object; the model has ${signature.inputs.length} inputs, so a bare value is ambiguous`,
        `${at}[${i}]`,
      );
    records ??= v.slice(0, i);
    const rec: Record<string, unknown> = {};
    putField(rec, only, inst);
    records[i] = rec;
  }
  return records ?? v;
}

/** MLflow's answer, `{predictions}` (single-output values unwrapped), with Slipway's `ids`. */
export interface MlflowResponse {
  predictions: unknown[];
  /** One id per prediction (Slipway's addition to MLflow's answer). */
  ids: string[];
}

/** Predictions as MLflow's scoring server answers them, plus the prediction ids. */
export function encodeMlflowResponse(r: {
  ids: string[];
  predictions: Prediction[];
  signature: Signature;
}): MlflowResponse {
  return { predictions: r.predictions.map((p) => presentPrediction(p, r.signature)), ids: r.ids };
}

/** MLflow's scoring formats as the data plane reads them. */
export function mlflowCodec(maxBatch: number): RequestCodec<undefined> {
  return {
    protocol: 'mlflow',
    maxBatch,
    decode: (body, signature) => ({
      records: decodeMlflowRequest(body, signature, maxBatch),
      meta: undefined,
    }),
  };
}
