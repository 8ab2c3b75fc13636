import { InvalidInputError } from '../../errors.js';
import type { Signature } from '../../protocol/signature.js';
import type { Prediction } from '../../runtimes/types.js';
import { checkBatch, isObject, presentPrediction } from './records.js';

const KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/** The MLflow scoring server's request formats, turned into records. */
export function decodeMlflowRequest(
  body: unknown,
  signature: Signature,
  maxBatch: number,
): unknown[] {
  if (!isObject(body))
    throw new InvalidInputError(`expected a JSON object with one of ${KEYS.join(', ')}`);
  const present = KEYS.filter((k) => k in body);
  if (present.length !== 1) {
    throw new InvalidInputError(
      `expected exactly one of ${KEYS.join(', ')}; got ${present.length ? present.join(', ') : Object.keys(body).join(', ') || 'none'}`,
    );
  }
  const key = present[0]!;
  const value = body[key];
  let records: unknown[];
  if (key === 'dataframe_split') records = fromSplit(value);
  else if (key === 'dataframe_records') {
    if (!Array.isArray(value))
      throw new InvalidInputError(
        'dataframe_records: expected an array of records',
        'dataframe_records',
      );
    records = value;
  } else if (key === 'inputs' && isObject(value)) records = fromColumns(value, 'inputs');
  else {
    if (!Array.isArray(value)) throw new InvalidInputError(`${key}: expected an array`, key);
    records = fromInstances(value, signature);
  }
  checkBatch(records.length, maxBatch, key);
  return records;
}

function fromSplit(v: unknown): unknown[] {
  if (!isObject(v))
    throw new InvalidInputError(
      'dataframe_split: expected {"columns": [...], "data": [[...]]}',
      'dataframe_split',
    );
  const { columns, data } = v;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw new InvalidInputError(
      'dataframe_split.columns: expected an array of column names',
      'dataframe_split.columns',
    );
  }
  if (!Array.isArray(data))
    throw new InvalidInputError(
      'dataframe_split.data: expected an array of rows',
      'dataframe_split.data',
    );
  return data.map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new InvalidInputError(
        `dataframe_split.data[${i}]: expected a row of ${columns.length} values`,
        `dataframe_split.data[${i}]`,
      );
    }
    const rec: Record<string, unknown> = {};
    for (let j = 0; j < columns.length; j++) rec[columns[j] as string] = row[j];
    return rec;
  });
}

function fromColumns(cols: Record<string, unknown>, key: string): unknown[] {
  const names = Object.keys(cols);
  if (names.length === 0) throw new InvalidInputError(`${key}: expected at least one column`, key);
  let n = -1;
  for (const name of names) {
    const col = cols[name];
    if (!Array.isArray(col))
      throw new InvalidInputError(
        `${key}.${name}: expected an array of values, one per record`,
        `${key}.${name}`,
      );
    if (n >= 0 && col.length !== n)
      throw new InvalidInputError(
        `${key}.${name}: has ${col.length} values, other columns have ${n}`,
        `${key}.${name}`,
      );
    n = col.length;
  }
  return Array.from({ length: n }, (_, i) =>
    Object.fromEntries(names.map((name) => [name, (cols[name] as unknown[])[i]])),
  );
}

function fromInstances(instances: unknown[], signature: Signature): unknown[] {
  // An instance is a record; or, for a single-input model, that input's value.
  const only = signature.inputs.length === 1 ? signature.inputs[0]!.name : undefined;
  return instances.map((inst) => (isObject(inst) || only === undefined ? inst : { [only]: inst }));
}

/** MLflow's answer: `{predictions}`, plus the ids Slipway gives every prediction. */
export function encodeMlflowResponse(r: {
  ids: string[];
  predictions: Prediction[];
  signature: Signature;
}) {
  return { predictions: r.predictions.map((p) => presentPrediction(p, r.signature)), ids: r.ids };
}
