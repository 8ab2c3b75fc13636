import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { jobOptionsOf, parseColumnList, scoreProblems, type ScoreDraft } from './score-options.js';

const trans = nullTranslator.load('slipway');

const draft = (over: Partial<ScoreDraft> = {}): ScoreDraft => ({
  deployment: 'iris',
  output: 'csv',
  passThrough: [],
  chunkSize: '',
  maxErrorPercent: '',
  ...over,
});

describe('the Score with… options', () => {
  it('a draft left at its defaults has no problem and sends only the formats', () => {
    expect(scoreProblems(draft(), trans)).toEqual({});
    expect(jobOptionsOf(draft(), 'csv')).toEqual({ format: 'csv', output: { format: 'csv' } });
  });

  it('sends pass-through columns, chunk size, and the error rate as a fraction', () => {
    const d = draft({
      output: 'jsonl',
      passThrough: ['customer_id', 'region'],
      chunkSize: ' 250 ',
      maxErrorPercent: '0.1',
    });
    expect(scoreProblems(d, trans)).toEqual({});
    expect(jobOptionsOf(d, 'parquet')).toEqual({
      format: 'parquet',
      output: { format: 'jsonl' },
      passThrough: ['customer_id', 'region'],
      chunkSize: 250,
      maxErrorRate: 0.001,
    });
    expect(jobOptionsOf(draft({ maxErrorPercent: '0' }), 'csv').maxErrorRate).toBe(0);
    expect(jobOptionsOf(draft({ maxErrorPercent: '100' }), 'csv').maxErrorRate).toBe(1);
  });

  it('refuses a chunk size that is not a whole number of rows within bounds', () => {
    for (const bad of ['0', '-5', '2.5', 'ten', '100001'])
      expect(scoreProblems(draft({ chunkSize: bad }), trans).chunkSize, bad).toMatch(
        /whole number of rows from 1 to 100000/,
      );
    expect(scoreProblems(draft({ chunkSize: '100000' }), trans)).toEqual({});
  });

  it('refuses an error rate outside 0–100 %', () => {
    for (const bad of ['-1', '101', 'a few', 'NaN'])
      expect(scoreProblems(draft({ maxErrorPercent: bad }), trans).maxErrorPercent, bad).toMatch(
        /percentage from 0 to 100/,
      );
  });

  it('needs a deployment', () => {
    expect(Object.keys(scoreProblems(draft({ deployment: '' }), trans))).toEqual(['deployment']);
  });

  it('reads typed columns: comma-separated, trimmed, each once', () => {
    expect(parseColumnList(' id, region ,,id ')).toEqual(['id', 'region']);
    expect(parseColumnList('   ')).toEqual([]);
  });
});
