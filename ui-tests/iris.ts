// What the monitoring and retraining specs share: the gateway of the stack, and the iris
// classifier they publish and call.
import type { APIRequestContext } from '@playwright/test';
import { expect } from '@jupyterlab/galata';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, GATEWAY_PORT } from './stack.js';

/** A file of the repository, by its path from ui-tests/. */
export const fixture = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(screenshots, { recursive: true });
export const gateway = `http://127.0.0.1:${GATEWAY_PORT}`;
export const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** The iris flowers the fixture's expected answers were computed on. */
export const irisRecords: number[][] = (
  JSON.parse(
    readFileSync(fixture('../gateway/test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
  ) as { records: { X: number[] }[] }
).records.map((r) => r.X);

/** Publishes the iris classifier as `name`; answers its invoke key. */
export async function publishIris(request: APIRequestContext, name: string): Promise<string> {
  const published = await request.post(`${gateway}/api/deployments`, {
    headers: admin,
    multipart: {
      name,
      file: {
        name: 'iris.onnx',
        mimeType: 'application/octet-stream',
        buffer: readFileSync(fixture('../gateway/test/fixtures/onnx/classifier_zipmap.onnx')),
      },
    },
  });
  expect(published.status()).toBe(201);
  return (await published.json()).invokeKey as string;
}
