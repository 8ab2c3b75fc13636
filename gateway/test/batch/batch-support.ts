import { readFile } from 'node:fs/promises';
import { waitFor } from '../../src/workers/testing/processes.js';
import type { Job } from '../../src/protocol/batch.js';
import { publishForm, type TestGateway } from '../support/test-gateway.js';

const fixtures = new URL('../fixtures/onnx/', import.meta.url);

/** The churn model (ONNX from skl2onnx): age, income, city, plan → output_label, output_probability. */
export async function churnModel() {
  return {
    bytes: await readFile(new URL('mixed_columns.onnx', fixtures)),
    filename: 'churn.onnx',
  };
}

/** Publishes the churn model as `churn` on a test gateway. */
export async function publishChurn(gw: Pick<TestGateway, 'admin'>): Promise<void> {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name: 'churn' }, await churnModel()),
  });
  if (res.status !== 201) throw new Error(`publishing churn: ${res.status} ${await res.text()}`);
}

export type Customer = {
  id: string;
  age: number;
  income: number;
  city: string;
  plan: string;
};

/** `n` customers, the same every time. */
export function customers(n: number, from = 1): Customer[] {
  const cities = ['lyon', 'paris', 'nice'];
  const plans = ['basic', 'pro'];
  return Array.from({ length: n }, (_, k) => {
    const i = from - 1 + k;
    return {
      id: `c${i + 1}`,
      age: 18 + (i % 60),
      income: 20_000 + ((i * 7919) % 80_000),
      city: cities[i % 3]!,
      plan: plans[i % 2]!,
    };
  });
}

export const CUSTOMER_COLUMNS = ['id', 'age', 'income', 'city', 'plan'];

/** A CSV of rows (no quoting: test values have no commas). */
export const csvOf = (rows: Record<string, unknown>[], columns: string[]) =>
  `${columns.join(',')}\n${rows.map((r) => columns.map((c) => r[c]).join(',')).join('\n')}\n`;

/** POSTs a job with an uploaded file and its options. */
export async function uploadJob(
  gw: Pick<TestGateway, 'admin'>,
  name: string,
  file: { text: string | Uint8Array; filename: string },
  options: object = {},
) {
  const form = new FormData();
  form.set('file', new Blob([file.text as BlobPart]), file.filename);
  form.set('options', JSON.stringify(options));
  return gw.admin(`/api/deployments/${name}/jobs`, { method: 'POST', body: form });
}

/** Waits until the job has ended (succeeded, failed or cancelled) and answers it. */
export async function ended(gw: Pick<TestGateway, 'admin'>, id: string): Promise<Job> {
  let job: Partial<Job> = {};
  await waitFor(
    `job ${id} to end`,
    async () => {
      job = (await (await gw.admin(`/api/jobs/${id}`)).json()) as Job;
      return job.state !== undefined && !['queued', 'running'].includes(job.state);
    },
    300_000,
  );
  return job as Job;
}
