// SLIPWAY_REQUIRE_APPROVAL (issue 21): a publish of code (a notebook here) by a user who is not
// an admin waits, unread, for an admin, who approves it (it is published then, the requester
// its owner) or rejects it (its file goes). Other formats, and admins, publish at once.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from './support/python.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

const python = await testPython();
const PROXY_TOKEN = 'sa_approval-tests-proxy-token-0001';
const notebook = await readFile(new URL('./fixtures/notebooks/typed.ipynb', import.meta.url));

describe.skipIf(!python)('approvals (needs the worker venv: npm test makes it)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: { python, proxyToken: PROXY_TOKEN, newUserRole: 'publisher', requireApproval: true },
    });
  });
  afterAll(() => gw.stop());

  const as = (user: string) => ({
    authorization: `Bearer ${PROXY_TOKEN}`,
    'x-slipway-user': user,
  });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  async function call(path: string, headers: Record<string, string>, init: RequestInit = {}) {
    const res = await gw.app.request(path, { ...init, headers: { ...headers, ...init.headers } });
    return { status: res.status, body: await res.json() };
  }
  const publish = (
    headers: Record<string, string>,
    name: string,
    file = notebook,
    filename = 'typed.ipynb',
  ) =>
    call('/api/deployments', headers, {
      method: 'POST',
      body: publishForm({ name }, { bytes: file, filename }),
    });
  const artifacts = () => readdir(join(gw.dataDir, 'artifacts'));

  it("holds a publisher's notebook unread until an admin approves it; the publisher owns it then", async () => {
    const held = await publish(as('alice'), 'typed');
    expect(held.status).toBe(202);
    const { approval } = held.body;
    expect(approval).toMatchObject({
      deployment: 'typed',
      format: 'notebook',
      filename: 'typed.ipynb',
      requestedBy: 'alice',
      state: 'pending',
    });
    // Nothing was published, nor stored as an artifact: the file waits aside.
    expect((await call('/api/deployments/typed', admin)).status).toBe(404);
    expect(await artifacts()).toEqual([`.pending-${approval.id}`]);

    const pending = await call('/api/approvals?state=pending', as('alice'));
    expect(pending.body.approvals.map((a: { id: string }) => a.id)).toEqual([approval.id]);
    // Only an admin decides.
    const refused = await call(`/api/approvals/${approval.id}/approve`, as('alice'), {
      method: 'POST',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/needs the "admin" permission/);

    const approved = await call(`/api/approvals/${approval.id}/approve`, admin, { method: 'POST' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);
    expect(approved.body).toMatchObject({ name: 'typed', version: 1, format: 'notebook' });
    expect((await call('/api/deployments/typed/shares', admin)).body.owner).toBe('alice');
    expect((await call('/api/approvals', admin)).body.approvals[0]).toMatchObject({
      state: 'approved',
      decidedBy: 'admin token',
      version: 1,
    });
    const again = await call(`/api/approvals/${approval.id}/approve`, admin, { method: 'POST' });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/was approved by admin token at/);
    // The next version of her notebook waits too.
    expect((await publish(as('alice'), 'typed')).status).toBe(202);
  });

  it('a rejected publish leaves nothing behind', async () => {
    const { approval } = (await publish(as('bob'), 'rejected')).body;
    const rejected = await call(`/api/approvals/${approval.id}/reject`, admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'reads the whole disk' }),
    });
    expect(rejected.body).toMatchObject({ state: 'rejected', reason: 'reads the whole disk' });
    expect(await artifacts()).not.toContain(`.pending-${approval.id}`);
    expect((await call('/api/deployments/rejected', admin)).status).toBe(404);
  });

  it('an admin publishes code at once, and a model that runs no code needs no approval', async () => {
    expect((await publish(admin, 'by-admin')).status).toBe(201);
    const toy = toyModel();
    expect((await publish(as('carol'), 'plain', Buffer.from(toy.bytes), toy.filename)).status).toBe(
      201,
    );
  });
});
