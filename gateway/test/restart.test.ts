import { readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './support/databases.js';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';
import { publishForm } from './support/test-gateway.js';

const fixtures = new URL('./fixtures/onnx/', import.meta.url);

describe.each(testDatabaseKinds)('the gateway process on %s', (kind) => {
  let dataDir: string | undefined;
  let database: TestDatabase | undefined;
  let proc: GatewayProcess | undefined;
  afterEach(async () => {
    await proc?.stop();
    proc = undefined;
    await database?.close();
    database = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('comes back after a restart with the same deployments, keys, versions and history', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-restart-'));
    const env: Record<string, string> = { SLIPWAY_DATA_DIR: dataDir };
    if (kind === 'postgres') {
      database = await openTestDatabase('postgres');
      env.DATABASE_URL = database.url!;
    }
    proc = await startGatewayProcess(env);

    // A generated admin token, stored 0600 and printed once.
    const tokenFile = join(dataDir, 'admin-token');
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
    proc = await startGatewayProcess(env);
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
