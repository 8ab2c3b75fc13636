// Every curl command the gateway shows (publish answer, deployment detail) works when pasted
// into bash as it is: run in a real shell against a real gateway process.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayProcesses } from './support/gateway-process.js';
import { publishForm } from './support/test-gateway.js';

const processes = gatewayProcesses();
const model = new URL('./fixtures/onnx/classifier_zipmap.onnx', import.meta.url);

/** Runs `command` in bash with `env`; answers the HTTP status curl printed. */
function inBash(command: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'bash',
      ['-c', `${command} -s -o /dev/null -w '%{http_code}'`],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

describe('the curl commands the gateway shows', () => {
  it('work pasted into bash: with the key written in, and from version 2 on with $SLIPWAY_KEY', async () => {
    const env = await processes.env();
    const proc = await processes.start(env);
    const admin = (await readFile(join(env.SLIPWAY_DATA_DIR!, 'admin-token'), 'utf8')).trim();
    const publish = async () => {
      const res = await fetch(`${proc.url}/api/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: publishForm(
          { name: 'iris' },
          { bytes: await readFile(model), filename: 'iris.onnx' },
        ),
      });
      expect(res.status).toBe(201);
      return res.json() as Promise<{ curl: string; invokeKey?: string }>;
    };
    const first = await publish();
    expect(first.invokeKey).toBeDefined();
    expect(await inBash(first.curl)).toBe('200');

    // Version 2: the key is not shown again; the command names it as $SLIPWAY_KEY.
    const second = await publish();
    expect(second.invokeKey).toBeUndefined();
    expect(second.curl).toContain('$SLIPWAY_KEY');
    expect(await inBash(second.curl, { SLIPWAY_KEY: first.invokeKey! })).toBe('200');
    expect(await inBash(second.curl, { SLIPWAY_KEY: 'sk_wrong' })).toBe('401');

    const detail = await (
      await fetch(`${proc.url}/api/deployments/iris`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json();
    expect(await inBash(detail.curl, { SLIPWAY_KEY: first.invokeKey! })).toBe('200');
  });
});
