// The "Try it" snippets (curl, Python `requests`, JavaScript `fetch`) work when pasted: each is
// run as it is, in bash, the worker venv's Python and Node, against a real gateway process, with
// a body the call form made from the deployment's signature.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formBody, formFields, type FormValues } from '../src/protocol/call-form.js';
import { callSnippets, type CallSnippets } from '../src/protocol/call-snippets.js';
import type { Deployment } from '../src/protocol/deployments.js';
import { gatewayProcesses } from './support/gateway-process.js';
import { testPython } from './support/python.js';
import { publishForm } from './support/test-gateway.js';

const processes = gatewayProcesses();
// `requests` comes into the worker venv with papermill (gateway/workers/python/requirements.txt).
const python = await testPython();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-snippets-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `file` with `program` and `env`; answers stdout, or rejects with stderr. */
function run(program: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      program,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Each snippet run as pasted: stdout of curl, python and node. */
async function runAll(s: CallSnippets, env: Record<string, string>) {
  await writeFile(join(dir, 'call.mjs'), s.javascript);
  await writeFile(join(dir, 'call.py'), s.python);
  return {
    // As pasted, with -s so that curl prints the answer alone.
    curl: await run('bash', ['-c', `${s.curl} -s`], env),
    javascript: await run(process.execPath, [join(dir, 'call.mjs')], env),
    python: python ? await run(python, [join(dir, 'call.py')], env) : null,
  };
}

describe('the Try it snippets', () => {
  it('call a keyed ONNX model and a public PMML model when pasted, with the form’s body', async () => {
    const env = await processes.env();
    const proc = await processes.start(env);
    const admin = (await readFile(join(env.SLIPWAY_DATA_DIR!, 'admin-token'), 'utf8')).trim();
    const publish = async (fields: Record<string, string>, fixture: string, filename: string) => {
      const res = await fetch(`${proc.url}/api/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: publishForm(fields, {
          bytes: await readFile(new URL(`./fixtures/${fixture}`, import.meta.url)),
          filename,
        }),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Deployment;
    };
    const bodyOf = (d: Deployment, values: FormValues) => {
      const result = formBody(formFields(d.signature), values);
      if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
      return result.body;
    };

    const iris = await publish({ name: 'iris' }, 'onnx/classifier_zipmap.onnx', 'iris.onnx');
    const irisBody = bodyOf(iris, { X: '5.1, 3.5, 1.4, 0.2' });
    expect(irisBody).toEqual({ X: [5.1, 3.5, 1.4, 0.2] });
    const keyed = await runAll(
      callSnippets({ url: iris.invokeUrl, body: irisBody, keyVariable: 'SLIPWAY_KEY' }),
      { SLIPWAY_KEY: iris.invokeKey! },
    );
    const label = (text: string) => text.match(/output_label['"]?:\s*(\d)/)?.[1];
    expect(label(keyed.curl)).toBe('0');
    expect(label(keyed.javascript)).toBe('0');
    if (python) expect(label(keyed.python!)).toBe('0');

    // A wrong key is refused: the key does come from the variable.
    const refused = callSnippets({
      url: iris.invokeUrl,
      body: irisBody,
      keyVariable: 'SLIPWAY_KEY',
    });
    await expect(
      run(process.execPath, ['--input-type=module', '-e', refused.javascript], {
        SLIPWAY_KEY: 'sk_wrong',
      }),
    ).rejects.toThrow(/HTTP 401/);

    const churn = await publish(
      { name: 'churn', public: 'true' },
      'pmml/s2p_logistic.pmml',
      'churn.pmml',
    );
    // The pickers' defaults, a typed age and income.
    const churnBody = bodyOf(churn, { city: 'lyon', age: '45.4', income: '14525.17' });
    expect(churnBody).toMatchObject({ city: 'lyon', age: 45.4, income: 14525.17 });
    const open = await runAll(
      callSnippets({ url: churn.invokeUrl, body: churnBody, keyVariable: null }),
      {},
    );
    const outcome = (text: string) => text.match(/outcome['"]?:\s*['"](\w+)['"]/)?.[1];
    expect(outcome(open.curl)).toBe('stay');
    expect(outcome(open.javascript)).toBe('stay');
    if (python) expect(outcome(open.python!)).toBe('stay');
  });

  it('the deployment answer’s snippets (publish answer and detail) work when pasted', async () => {
    const env = await processes.env();
    const proc = await processes.start(env);
    const admin = (await readFile(join(env.SLIPWAY_DATA_DIR!, 'admin-token'), 'utf8')).trim();
    const publish = async (fields: Record<string, string>, fixture: string, filename: string) => {
      const res = await fetch(`${proc.url}/api/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: publishForm(fields, {
          bytes: await readFile(new URL(`./fixtures/${fixture}`, import.meta.url)),
          filename,
        }),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Deployment;
    };
    const detail = async (name: string) =>
      (await (
        await fetch(`${proc.url}/api/deployments/${name}`, {
          headers: { authorization: `Bearer ${admin}` },
        })
      ).json()) as Deployment;
    // Each answer is the records API's to one record: {id, version, prediction}.
    const answered = (text: string) =>
      /['"]?id['"]?:\s*['"][0-9a-f-]{36}['"]/.test(text) && /prediction/.test(text);

    const iris = await publish({ name: 'iris' }, 'onnx/classifier_zipmap.onnx', 'iris.onnx');
    for (const d of [iris, await detail('iris')]) {
      expect(d.snippets.curl).toContain('$SLIPWAY_KEY');
      const out = await runAll(d.snippets, { SLIPWAY_KEY: iris.invokeKey! });
      expect(answered(out.curl), out.curl).toBe(true);
      expect(answered(out.javascript), out.javascript).toBe(true);
      if (python) expect(answered(out.python!), out.python!).toBe(true);
    }
    // The key does come from the variable: a wrong one is refused by each.
    await expect(
      run(process.execPath, ['--input-type=module', '-e', iris.snippets.javascript], {
        SLIPWAY_KEY: 'sk_wrong',
      }),
    ).rejects.toThrow(/HTTP 401/);
    if (python) {
      await writeFile(join(dir, 'wrong.py'), iris.snippets.python);
      await expect(
        run(python, [join(dir, 'wrong.py')], { SLIPWAY_KEY: 'sk_wrong' }),
      ).rejects.toThrow(/401/);
    }

    const churn = await publish(
      { name: 'churn', public: 'true' },
      'pmml/s2p_logistic.pmml',
      'churn.pmml',
    );
    const open = (await detail('churn')).snippets;
    expect(open.curl).not.toContain('Authorization');
    const out = await runAll(open, {});
    expect(answered(out.curl), out.curl).toBe(true);
    expect(answered(out.javascript), out.javascript).toBe(true);
    if (python) expect(answered(out.python!), out.python!).toBe(true);
    expect(churn.snippets).toEqual(open);
  });
});
