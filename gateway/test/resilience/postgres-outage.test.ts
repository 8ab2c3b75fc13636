import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import {
  postgresBin,
  startPostgresServer,
  type PostgresServer,
} from '../support/postgres-server.js';
import { publishForm } from '../support/test-gateway.js';

// The database goes away under load: the data plane keeps serving what it knows from memory,
// its log rows wait in the journal, what truly needs the database answers 503 with
// Retry-After (never a 500, never a hang), and when the database is back every row is there.

const bin = postgresBin();
const fixtures = new URL('../fixtures/pmml/', import.meta.url);
const ADMIN = 'sa_outage-test-admin-token-0123';

describe.skipIf(!bin)('a Postgres outage', () => {
  let server: PostgresServer;
  let proc: GatewayProcess;
  let dataDir: string;
  beforeAll(async () => {
    server = await startPostgresServer(bin!);
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-outage-'));
    proc = await startGatewayProcess({
      SLIPWAY_DATA_DIR: dataDir,
      DATABASE_URL: server.url,
      SLIPWAY_ADMIN_TOKEN: ADMIN,
      // Every call asks the database again for its deployment and key: the outage is met at once.
      SLIPWAY_CATALOG_TTL_MS: '0',
    });
  }, 300_000);
  afterAll(async () => {
    await proc?.stop();
    await server?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is met by the data plane from memory, by 503s elsewhere, and loses no log row', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const published = await fetch(`${proc.url}/api/deployments`, {
      method: 'POST',
      headers: auth,
      body: publishForm(
        { name: 'churn' },
        { bytes: await readFile(new URL('s2p_logistic.pmml', fixtures)), filename: 'm.pmml' },
      ),
    });
    expect(published.status, await published.clone().text()).toBe(201);
    const key = (await published.json()).invokeKey as string;
    const { records } = JSON.parse(
      await readFile(new URL('s2p_logistic.expected.json', fixtures), 'utf8'),
    ) as { records: unknown[] };
    const call = (token = key) =>
      fetch(`${proc.url}/fn/churn`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(records[0]),
      });
    // Known to the catalog before the outage: the deployment and its key.
    expect((await call()).status).toBe(200);

    await server.stop();
    // Thirty seconds of calls from four callers: far past the catalog's TTL and the driver's
    // reconnection attempts (a duration to cover, not a time anything must take).
    const outageEnds = Date.now() + 30_000;
    const during: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 20 || Date.now() < outageEnds; i++) {
          const res = await call();
          expect(res.status, await res.clone().text()).toBe(200);
          during.push(res.headers.get('x-request-id')!);
        }
      }),
    );
    // What needs the database answers 503 with Retry-After: the management API, and a key the
    // gateway has never seen.
    for (const res of [
      await fetch(`${proc.url}/api/deployments`, { headers: auth }),
      await fetch(`${proc.url}/api/deployments/churn/invocations`, { headers: auth }),
      await call('sk_never-seen-before'),
    ]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await res.json()).error.code).toBe('database_unavailable');
    }

    await server.start();
    let metrics: { count: number } | undefined;
    while (!metrics) {
      const res = await fetch(`${proc.url}/api/deployments/churn/metrics`, { headers: auth });
      if (res.status === 200) metrics = await res.json();
      else expect(res.status).toBe(503); // postgres.js reconnects on its own
    }
    // Every call of the outage is in the log (ids are keys: none counts twice), with the one
    // before it and the refused key.
    expect(metrics.count).toBe(during.length + 2);
    const res = await fetch(`${proc.url}/api/deployments/churn/invocations?limit=1000`, {
      headers: auth,
    });
    const logged = new Set(((await res.json()).invocations as { id: string }[]).map((i) => i.id));
    expect(during.slice(-500).filter((id) => !logged.has(id))).toEqual([]);
  }, 300_000);
});
