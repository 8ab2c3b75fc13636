// A deployment's OpenAPI document makes a typed client: openapi-typescript generates types from
// it, and a call written against them typechecks, while a call with a wrong record does not.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
let gw: TestGateway;
let dir: string;
beforeAll(async () => {
  gw = await startTestGateway();
  dir = await mkdtemp(join(tmpdir(), 'slipway-openapi-ts-'));
});
afterAll(async () => {
  await gw.stop();
  await rm(dir, { recursive: true, force: true });
});

/** tsc's verdict on `files` in `dir`: '' when they typecheck, else its diagnostics. */
function typecheck(files: string[]): Promise<string> {
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022'];
  return new Promise((resolve) =>
    execFile(process.execPath, [tsc, ...args, ...files], { cwd: dir }, (err, stdout) =>
      resolve(err ? stdout : ''),
    ),
  );
}

const CALL = `import type { components, paths } from './iris';

type Body = paths['/fn/iris']['post']['requestBody']['content']['application/json'];
type Answer = paths['/fn/iris']['post']['responses']['200']['content']['application/json'];

const one: Body = { X: [5.1, 3.5, 1.4, 0.2] };
const many: Body = [{ X: [5.1, 3.5, 1.4, 0.2] }, { X: [6.3, 3.3, 4.7, 1.6] }];
declare const answer: Answer;
if ('prediction' in answer) {
  const label: number | null | undefined = answer.prediction.output_label;
  console.log(label);
}
const feedback: components['schemas']['Feedback'] = { id: 'a-prediction-id', actual: 0 };
console.log(one, many, feedback);
`;

it('openapi-typescript makes types from it that a call typechecks against', async () => {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name: 'iris' },
      {
        bytes: await readFile(new URL('../fixtures/onnx/classifier_zipmap.onnx', import.meta.url)),
        filename: 'iris.onnx',
      },
    ),
  });
  expect(res.status).toBe(201);
  const doc = await (await gw.admin('/fn/iris/openapi.json')).json();
  await writeFile(join(dir, 'iris.ts'), astToString(await openapiTS(doc)));
  await writeFile(join(dir, 'call.ts'), CALL);
  expect(await typecheck(['call.ts'])).toBe('');

  // The types hold the signature: a record with a string where numbers go is refused.
  await writeFile(join(dir, 'wrong.ts'), `${CALL}\nconst wrong: Body = { X: 'setosa' };\n`);
  expect(await typecheck(['wrong.ts'])).toMatch(/wrong\.ts.*error TS2322/);
});
