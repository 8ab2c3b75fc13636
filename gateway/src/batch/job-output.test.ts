import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  AppendFile,
  csvHeader,
  outputColumns,
  formatRow,
  predictionFields,
  rowFormatter,
} from './job-output.js';

describe('output rows', () => {
  it('spread a prediction into columns: a map of plain values one column per key, anything else as it is', () => {
    expect(predictionFields({ label: 'stay', probabilities: { churn: 0.2, stay: 0.8 } })).toEqual({
      label: 'stay',
      'probabilities.churn': 0.2,
      'probabilities.stay': 0.8,
    });
    expect(predictionFields(3.5)).toEqual({ prediction: 3.5 });
    expect(predictionFields([1, 2])).toEqual({ prediction: [1, 2] });
    expect(predictionFields({ nested: { a: [1] } })).toEqual({ nested: { a: [1] } });
  });

  it('put the pass-through columns first and the prediction id last, renaming a clash', () => {
    const fields = predictionFields({ id: 7, score: 0.5 });
    const columns = outputColumns(['id'], fields);
    expect(columns).toEqual(['id', 'prediction.id', 'score', 'prediction_id']);
    expect(formatRow(rowFormatter('jsonl', ['id'], columns), { id: 'c1' }, fields, 'x:0')).toBe(
      '{"id":"c1","prediction.id":7,"score":0.5,"prediction_id":"x:0"}\n',
    );
  });

  it('write CSV that csv-parse reads back (quotes, commas, line breaks, lists) and JSONL in column order', () => {
    const columns = ['name', 'v', 'list', 'flag', 'none', 'prediction_id'];
    const fields = { v: 1.5, list: [1, 2], flag: true, none: null };
    const csv =
      csvHeader(columns) +
      formatRow(rowFormatter('csv', ['name'], columns), { name: 'a, "b"\nc' }, fields, 'x:0') +
      formatRow(rowFormatter('csv', ['name'], columns), {}, { v: 2 }, 'x:1');
    expect(parse(csv, { columns: true })).toEqual([
      { name: 'a, "b"\nc', v: '1.5', list: '[1,2]', flag: 'true', none: '', prediction_id: 'x:0' },
      { name: '', v: '2', list: '', flag: '', none: '', prediction_id: 'x:1' },
    ]);
    expect(
      formatRow(rowFormatter('jsonl', ['name'], columns), { name: 'x' }, { v: 2 }, 'x:2'),
    ).toBe('{"name":"x","v":2,"list":null,"flag":null,"none":null,"prediction_id":"x:2"}\n');
  });
});

describe('AppendFile', () => {
  it('cuts a file back to its checkpoint, and refuses one shorter than it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'append-'));
    try {
      const path = join(dir, 'out.csv');
      await writeFile(path, 'kept\nafter the checkpoint\n');
      const file = (await AppendFile.open(path, 5))!;
      await file.append('next\n');
      await file.close();
      expect(await readFile(path, 'utf8')).toBe('kept\nnext\n');
      expect(file.bytes).toBe(10);
      expect(await AppendFile.open(path, 100)).toBeUndefined();
      const fresh = (await AppendFile.open(join(dir, 'new.csv'), 0))!;
      await fresh.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
