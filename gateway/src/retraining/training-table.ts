import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { RecordValue } from '../protocol/signature.js';
import type { LabelledExample } from './labelled-examples.js';

/**
 * A CSV file of labelled examples for a training notebook: one column per input field (in the
 * signature's order), the label in `target`, then the prediction's id and time. A field whose
 * value is not a scalar (a tensor, an object) is written as its JSON.
 */
export class TrainingTable {
  private readonly csv;
  private readonly done: Promise<void>;
  rows = 0;

  constructor(
    path: string,
    private readonly fields: readonly string[],
    readonly target: string,
  ) {
    this.csv = stringify({ header: true, columns: [...fields, target, 'prediction_id', 'time'] });
    const out = createWriteStream(path);
    this.csv.pipe(out);
    this.done = finished(out);
  }

  async add(examples: readonly LabelledExample[]): Promise<void> {
    for (const e of examples) {
      const row = [...this.fields.map((f) => cell(e.record, f)), cell({ v: e.actual }, 'v')];
      if (!this.csv.write([...row, e.id, e.time.toISOString()])) await once(this.csv, 'drain');
      this.rows++;
    }
  }

  async close(): Promise<void> {
    this.csv.end();
    await this.done;
  }
}

/** The label column's name: `actual`, or a name no input field has. */
export function targetColumn(fields: readonly string[]): string {
  let name = 'actual';
  while (fields.includes(name)) name = `_${name}`;
  return name;
}

function cell(record: RecordValue, field: string): string | number | boolean | null {
  const v = (record as Record<string, unknown>)[field];
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}
