import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../errors.js';
import type { Signature } from '../protocol/signature.js';
import { decodeRecords, decodeRecordsOffThread, type DecodeJob } from './decode-records.js';

const sum: Signature = {
  inputs: [
    { name: 'a', type: 'float64', shape: [] },
    { name: 'b', type: 'float64', shape: [] },
  ],
  outputs: [{ name: 'sum', type: 'float64', shape: [] }],
};
const job = (text: string, over: Partial<DecodeJob> = {}): DecodeJob => ({
  jsonBytes: new TextEncoder().encode(text),
  protocol: 'records',
  maxBatch: 100,
  signature: sum,
  unknownFields: 'ignore',
  ...over,
});

describe('decoding a large body off the event loop', () => {
  it('answers what the event loop would, from another thread', async () => {
    const body = '[{"a":1,"b":2,"id":"x"},{"a":3,"b":4}]';
    const here = decodeRecords(job(body));
    const there = await decodeRecordsOffThread(job(body));
    expect(there.threadId).not.toBe(threadId);
    expect({ ...there, threadId: 0 }).toEqual({ ...here, threadId: 0 });
    expect(there.records).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
    expect(there.ignored).toEqual(['id']);
    const mlflow = await decodeRecordsOffThread(
      job('{"dataframe_split":{"columns":["a","b"],"data":[[1,2]]}}', { protocol: 'mlflow' }),
    );
    expect(mlflow.records).toEqual([{ a: 1, b: 2 }]);
  });

  it.each([
    ['not JSON', '{"a": 1', 400, 'invalid_json'],
    ['nested too deep', `[${'['.repeat(200)}${']'.repeat(200)}]`, 400, 'too_deep'],
    ['a bad record', '{"a":"x","b":1}', 400, 'invalid_input'],
    ['over the batch', JSON.stringify(Array(101).fill({ a: 1, b: 1 })), 413, 'too_large'],
  ])('answers %s with the typed error the event loop would', async (_, text, status, code) => {
    const err = await decodeRecordsOffThread(job(text)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlipwayError);
    expect(err).toMatchObject({ status, code });
    const here = decodeRecords(job(text));
    expect(here).toMatchObject({ ok: false, status, code, message: (err as Error).message });
  });
});
