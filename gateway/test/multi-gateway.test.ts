import { readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import { openTestDatabase, type TestDatabase } from './support/databases.js';
import { observed } from './support/observed-notices.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway.js';

// Two gateways on one Postgres, each with a connection pool of its own. Their catalogs trust
// what they read for ten minutes: only the notices each change sends can make gateway B see
// what went through gateway A within this test.

const url = process.env.SLIPWAY_TEST_DATABASE_URL;
const fixtures = new URL('./fixtures/pmml/', import.meta.url);
const TEN_MINUTES = 600_000;

describe.skipIf(!url)('two gateways on one Postgres', () => {
  let database: TestDatabase;
  let second: Database;
  let a: TestGateway;
  let b: TestGateway;
  let handledByB: (name: string) => Promise<void>;
  let markers = 0;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    second = await openDatabase({ url: database.url });
    const watched = observed(second);
    handledByB = watched.handled;
    const config = { catalogTtlMs: TEN_MINUTES };
    a = await startTestGateway({ database, config });
    b = await startTestGateway({ database: { ...watched.database, url: database.url }, config });
    // Gateways that share a database share the volume their model files are stored on.
    await rm(join(b.dataDir, 'artifacts'), { recursive: true });
    await symlink(join(a.dataDir, 'artifacts'), join(b.dataDir, 'artifacts'));
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await second?.close();
    await database?.close();
  });

  /**
   * Resolves once B has dealt with every notice sent before this call: notices of different
   * transactions arrive in the order they committed, and A's answer to a change comes after
   * its notice committed, so a marker sent now is handled after them.
   */
  async function noticesHandledByB(): Promise<void> {
    const marker = `marker-${++markers}`;
    const handled = handledByB(marker);
    await a.database.catalogNotices.announce(marker);
    await handled;
  }

  const publish = async (gateway: TestGateway, model: string) => {
    const bytes = await readFile(new URL(`${model}.pmml`, fixtures));
    const res = await gateway.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'houses', allowSignatureChange: 'true' },
        { bytes, filename: `${model}.pmml` },
      ),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBeLessThan(300);
    return body as { invokeKey?: string; version: number };
  };

  const house = { district: 'south', area: 184.6, rooms: 1.0, year: 1998.0 };
  const call = async (gateway: TestGateway, token: string) => {
    const res = await gateway.app.request('/fn/houses', {
      method: 'POST',
      body: JSON.stringify([house]),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const body = await res.json();
    return {
      status: res.status,
      version: res.headers.get('x-slipway-version'),
      // A single-output model answers the bare value.
      price: (body as { predictions?: number[] }).predictions?.[0],
    };
  };

  it('B serves what is published, changed and deleted through A as soon as A answers', async () => {
    // v1, a linear regression, published through A and called through B (which caches it).
    const first = await publish(a, 's2p_linear_regression');
    const key = first.invokeKey!;
    expect(await call(b, key)).toMatchObject({ status: 200, version: '1' });
    expect((await call(b, key)).price).toBeCloseTo(597.0991054808771, 6);

    // v2, a decision tree: B answers with it, and has retired v1.
    expect((await publish(a, 's2p_decision_tree_regressor')).version).toBe(2);
    await noticesHandledByB();
    const v2 = await call(b, key);
    expect(v2).toMatchObject({ status: 200, version: '2' });
    expect(v2.price).toBeCloseTo(616.6751846208087, 6);
    expect(b.host.peek('houses', 1)).toBeUndefined();
    expect(b.host.peek('houses', 2)).toBeDefined();

    // Rolling back through A: B answers with v1 again.
    const rolled = await a.send('POST', '/api/deployments/houses/rollback', { version: 1 });
    expect(rolled.status, await rolled.clone().text()).toBe(200);
    await noticesHandledByB();
    expect(await call(b, key)).toMatchObject({ status: 200, version: '1' });

    // A new key through A, the old one revoked at once: B refuses the old key.
    const issued = await a.send('POST', '/api/deployments/houses/keys', {
      revokeOthersAfterSeconds: 0,
    });
    expect(issued.status, await issued.clone().text()).toBe(201);
    const { key: newKey } = (await issued.json()) as { key: string };
    await noticesHandledByB();
    expect((await call(b, key)).status).toBe(401);
    expect(await call(b, newKey)).toMatchObject({ status: 200, version: '1' });

    // Deleted through A: B answers 404 and keeps nothing of it loaded.
    expect((await a.admin('/api/deployments/houses', { method: 'DELETE' })).status).toBe(204);
    await noticesHandledByB();
    expect((await call(b, ADMIN_TOKEN)).status).toBe(404);
    expect(b.host.loaded().filter((l) => l.name === 'houses' && !l.retiring)).toEqual([]);
  });
});
