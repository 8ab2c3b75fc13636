import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import type { Signature } from '../protocol/signature.js';
import { irisClassifier } from './testing/signatures.js';
import {
  checkBatch,
  decodeRecordsBody,
  encodeRecordsResponse,
  presentPrediction,
} from './records.js';
import { putField } from '../validation/put-field.js';

const classifier = irisClassifier;
const regressor: Signature = {
  inputs: [{ name: 'input', type: 'float32', shape: [4] }],
  outputs: [{ name: 'variable', type: 'float32', shape: [] }],
};

describe('decodeRecordsBody', () => {
  it('reads a JSON object as one record', () => {
    const body = { input: [1, 2, 3, 4] };
    const decoded = decodeRecordsBody(body, 10);
    expect(decoded).toEqual({ records: [body], single: true });
    expect(decoded.records[0]).toBe(body);
  });

  it('reads a JSON array as many records, without copying it', () => {
    const body = [{ a: 1 }, { a: 2 }];
    const decoded = decodeRecordsBody(body, 10);
    expect(decoded.single).toBe(false);
    expect(decoded.records).toBe(body);
    // An array of one is still a batch: the answer has `predictions`.
    expect(decodeRecordsBody([{ a: 1 }], 10).single).toBe(false);
  });

  it('refuses an empty array with 400', () => {
    const err = failure(() => decodeRecordsBody([], 10));
    expect(err.status).toBe(400);
    expect(err.message).toBe('expected at least one record, got none');
  });

  it('refuses more records than the limit with 413 naming the limit', () => {
    const err = failure(() => decodeRecordsBody([{}, {}, {}], 2));
    expect(err.status).toBe(413);
    expect(err.code).toBe('too_large');
    expect(err.message).toContain('the limit is 2 (SLIPWAY_MAX_BATCH)');
    expect(decodeRecordsBody([{}, {}], 2).records).toHaveLength(2);
  });

  it.each([
    [3, 'number'],
    ['text', 'string'],
    [null, 'null'],
    [true, 'boolean'],
  ])('refuses %j with 400', (body, got) => {
    const err = failure(() => decodeRecordsBody(body, 10));
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      `expected a JSON object (one record) or an array of records, got ${got}`,
    );
  });
});

describe('checkBatch', () => {
  it('names the part of the body that holds the records', () => {
    const err = failure(() => checkBatch(0, 5, 'instances'));
    expect(err.field).toBe('instances');
    expect(err.message).toBe('instances: expected at least one record, got none');
    expect(() => checkBatch(5, 5)).not.toThrow();
  });
});

describe('presentPrediction', () => {
  it('unwraps the value of a single output', () => {
    expect(presentPrediction({ variable: 12.3 }, regressor)).toBe(12.3);
    expect(presentPrediction({ variable: null }, regressor)).toBeNull();
  });

  it('keeps the object when there are several outputs', () => {
    const p = { output_label: 1, output_probability: { 0: 0.1, 1: 0.8, 2: 0.1 } };
    expect(presentPrediction(p, classifier)).toBe(p);
  });

  it('leaves alone what does not look like the runtime object', () => {
    expect(presentPrediction(4, regressor)).toBe(4);
    const other = { something: 1 };
    expect(presentPrediction(other, regressor)).toBe(other);
  });
});

describe('encodeRecordsResponse', () => {
  it('answers one record with id, version and prediction', () => {
    expect(
      encodeRecordsResponse({
        single: true,
        id: 'a',
        ids: ['a'],
        version: 3,
        predictions: [{ variable: 12.3 }],
        signature: regressor,
      }),
    ).toEqual({ id: 'a', version: 3, prediction: 12.3 });
  });

  it('answers many records with ids, version and predictions in order', () => {
    const predictions = [
      { output_label: 0, output_probability: { 0: 0.9, 1: 0.05, 2: 0.05 } },
      { output_label: 2, output_probability: { 0: 0.1, 1: 0.1, 2: 0.8 } },
    ];
    expect(
      encodeRecordsResponse({
        single: false,
        id: 'a',
        ids: ['a:0', 'a:1'],
        version: 1,
        predictions,
        signature: classifier,
      }),
    ).toEqual({ ids: ['a:0', 'a:1'], version: 1, predictions });
  });
});

describe('putField', () => {
  it('adds __proto__ as an own field instead of replacing the prototype', () => {
    const rec: Record<string, unknown> = {};
    putField(rec, '__proto__', { polluted: true });
    putField(rec, 'a', 1);
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(Object.keys(rec)).toEqual(['__proto__', 'a']);
    expect((rec as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
