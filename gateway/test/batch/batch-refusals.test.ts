import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  type TestGateway,
} from '../support/test-gateway.js';
import { intervalModel } from '../support/interval-model.js';
import { ended, uploadJob } from './batch-support.js';

const ROWS = 1200;
const CHUNK = 250;
/** Rows (1-based) whose age is out of its interval: the model refuses them, not the others. */
const INVALID = [3, 251, 252, 900, 1200];
/**
 * Rows whose age is not a number: validation refuses them. Two share a chunk with rows the
 * model refuses (that chunk goes by records, and keeps their reasons), one does not.
 */
const NOT_NUMBERS = [5, 253, 600];

async function publish(gw: TestGateway): Promise<void> {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name: 'm' }, intervalModel()),
  });
  expect(res.status).toBe(201);
}

function rows(): Record<string, unknown>[] {
  return Array.from({ length: ROWS }, (_, k) => ({
    age: INVALID.includes(k + 1) ? 130 : NOT_NUMBERS.includes(k + 1) ? 'old' : 18 + (k % 70) + 0.5,
    plan: k % 3 === 0 ? 'pro' : 'basic',
  }));
}

/** The output with each prediction id's call (a random id) named by its order. */
const comparable = (output: string) => {
  const calls = new Map<string, number>();
  return output.replace(/([0-9a-f-]{36}):(\d+)/g, (_, call: string, i: string) => {
    if (!calls.has(call)) calls.set(call, calls.size);
    return `call${calls.get(call)}:${i}`;
  });
};

describe('a record the model refuses (not its validation)', () => {
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.stop();
  });

  it('is answered as refused by the data plane, and the records around it are scored', async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    await publish(gw);
    const records = rows().slice(0, 300);
    const result = await gw.dataPlane.score({
      name: 'm',
      token: ADMIN_TOKEN,
      requestId: randomUUID(),
      via: 'stream',
      records,
    });
    expect(result.rejected.map((r) => [r.index, r.field])).toEqual([
      [2, 'age'],
      [4, 'age'],
      [250, 'age'],
      [251, 'age'],
      [252, 'age'],
    ]);
    expect(result.rejected[0]!.message).toMatch(/field age: 130 is not a valid value/);
    // Every other record has its prediction and its id, under its own index.
    const scored = result.predictions.flatMap((p, i) => (p ? [i] : []));
    expect(scored).toHaveLength(295);
    expect(result.ids[3]).toMatch(/:3$/);
    expect(result.predictions[2]).toBeUndefined();
    expect(result.predictions[3]).toEqual({ spend: 10 + 2 * 21.5 + 5 });
  }, 120_000);

  it('goes to the errors file of a job, by records and as columns alike, and the job goes on', async () => {
    const input = rows();
    const columns = ['id', ...Object.keys(input[0]!)];
    const text = `${columns.join(',')}\n${input.map((r, k) => [`r${k + 1}`, ...columns.slice(1).map((c) => r[c] ?? '')].join(',')).join('\n')}\n`;
    const asColumns = await startTestGateway();
    const byRecords = await startTestGateway({ config: { batch: { tensors: false } } });
    gateways.push(asColumns, byRecords);
    const tensors = vi.spyOn(asColumns.dataPlane, 'scoreTensors');
    const outputs: string[] = [];
    const errorFiles: string[] = [];
    for (const gw of [asColumns, byRecords]) {
      await publish(gw);
      const created = await uploadJob(
        gw,
        'm',
        { text, filename: 'customers.csv' },
        { passThrough: ['id'], chunkSize: CHUNK, maxErrorRate: 0.01 },
      );
      expect(created.status).toBe(202);
      const { id } = await created.json();
      const done = await ended(gw, id);
      expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
      const refused = [...INVALID, ...NOT_NUMBERS].sort((a, b) => a - b);
      expect(done.rows).toEqual({ done: ROWS, total: ROWS, errors: refused.length });
      const errors = (await (await gw.admin(`/api/jobs/${id}/errors`)).text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { row: number; field: string; error: string });
      expect(errors.map((e) => [e.row, e.field])).toEqual(refused.map((row) => [row, 'age']));
      const why = new Map(errors.map((e) => [e.row, e.error]));
      for (const row of INVALID)
        expect(why.get(row)).toMatch(/field age: 130 is not a valid value/);
      for (const row of NOT_NUMBERS) expect(why.get(row)).toMatch(/field age: expected /);
      errorFiles.push(JSON.stringify(errors));
      const output = await (await gw.admin(`/api/jobs/${id}/output`)).text();
      const lines = output.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1 + ROWS - refused.length);
      expect(lines.some((l) => l.startsWith('r3,'))).toBe(false);
      expect(lines.some((l) => l.startsWith('r4,'))).toBe(true);
      outputs.push(output);
    }
    // The columns went as columns (the chunks without a refused row stayed so).
    expect(tensors).toHaveBeenCalledTimes(Math.ceil(ROWS / CHUNK));
    expect(comparable(outputs[0]!).replace(/call\d+:\d+/g, 'id')).toBe(
      comparable(outputs[1]!).replace(/call\d+:\d+/g, 'id'),
    );
    // The same errors file either way, the reasons of validation's refusals kept in a chunk
    // scored again by records.
    expect(errorFiles[0]).toBe(errorFiles[1]);
  }, 300_000);
});
