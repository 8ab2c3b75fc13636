import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './support/databases.js';
import { gatewayProcesses, type GatewayProcess } from './support/gateway-process.js';
import { publishForm } from './support/test-gateway.js';

const fixtures = new URL('./fixtures/onnx/', import.meta.url);

describe.each(testDatabaseKinds)('the gateway process on %s', (kind) => {
  const processes = gatewayProcesses();

  it('comes back after a restart with the same deployments, keys, versions and history', async () => {
    const env = await processes.env(kind);
    let proc = await processes.start(env);

    // A generated admin token, stored 0600 and printed once.
    const tokenFile = join(env.SLIPWAY_DATA_DIR!, 'admin-token');
    const admin = (await readFile(tokenFile, 'utf8')).trim();
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(proc.output()).toContain(admin);
    const health = await (await fetch(`${proc.url}/api/health`)).json();
    expect(health.database).toBe(kind);

    const model = await readFile(new URL('classifier_zipmap.onnx', fixtures));
    const expected = JSON.parse(
      await readFile(new URL('classifier_zipmap.expected.json', fixtures), 'utf8'),
    );
    const auth = { authorization: `Bearer ${admin}` };
    const publish = () =>
      fetch(`${proc!.url}/api/deployments`, {
        method: 'POST',
        headers: auth,
        body: publishForm({ name: 'iris' }, { bytes: model, filename: 'iris.onnx' }),
      });
    const created = await (await publish()).json();
    expect(created.invokeKey).toBeDefined();
    expect((await (await publish()).json()).version).toBe(2);
    const rolled = await fetch(`${proc.url}/api/deployments/iris/rollback`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"version":1}',
    });
    expect(rolled.status).toBe(200);

    const invoke = (p: GatewayProcess) =>
      fetch(`${p.url}/fn/iris`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${created.invokeKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(expected.records.slice(0, 3)),
      });
    const before = await (await invoke(proc)).json();
    expect(before.version).toBe(1);

    expect(await proc.stop()).toBe(0);
    proc = await processes.start(env);
    expect(proc.output()).not.toContain(admin);

    const after = await invoke(proc);
    expect(after.status).toBe(200);
    const afterBody = await after.json();
    expect(afterBody.version).toBe(1);
    expect(afterBody.predictions).toEqual(before.predictions);

    const detail = await (
      await fetch(`${proc.url}/api/deployments/iris`, { headers: auth })
    ).json();
    expect(detail.version).toBe(1);
    expect(detail.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const { invocations } = await (
      await fetch(`${proc.url}/api/deployments/iris/invocations`, { headers: auth })
    ).json();
    expect(invocations.map((i: { id: string }) => i.id)).toContain(before.ids[0].split(':')[0]);
    expect(invocations).toHaveLength(2);
  }, 600_000);
});
