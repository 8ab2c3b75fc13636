import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { gatewayProcesses } from '../support/gateway-process.js';
import { testPython } from '../support/python.js';
import { publishForm } from '../support/test-gateway.js';
import { processesMatching, waitFor } from '../../src/workers/testing/processes.js';

// SIGTERM always stops the gateway within its drain deadline, whatever runs: here a notebook
// call that would run for ten minutes.

const python = await testPython();
const ADMIN = 'sa_sigterm-test-admin-token-0123';

describe.skipIf(!python)('SIGTERM', () => {
  const processes = gatewayProcesses();

  it('stops the gateway by its drain deadline while a long call is still running', async () => {
    const proc = await processes.start({
      ...(await processes.env()),
      SLIPWAY_ADMIN_TOKEN: ADMIN,
      SLIPWAY_PYTHON: python!,
      SLIPWAY_DRAIN_SECONDS: '2',
    });
    const auth = { authorization: `Bearer ${ADMIN}` };
    const notebook = await readFile(new URL('../fixtures/notebooks/slow.ipynb', import.meta.url));
    const published = await fetch(`${proc.url}/api/deployments`, {
      method: 'POST',
      headers: auth,
      body: publishForm(
        { name: 'slow', config: '{"warmKernels": 0}' },
        { bytes: notebook, filename: 'slow.ipynb' },
      ),
    });
    expect(published.status, await published.clone().text()).toBe(201);
    // The notebook starts `sleep <mark>` beside its own sleep: the process says the run is on.
    const mark = `${700_000 + Math.floor(Math.random() * 1e6)}.25`;
    const running = fetch(`${proc.url}/fn/slow`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 600, child_seconds: Number(mark) }),
    }).catch((err: unknown) => err);
    await waitFor('the run to start', () => processesMatching(`sleep ${mark}`).length > 0, 240_000);
    const code = await proc.stop();
    expect(proc.output()).toContain('the drain deadline passed');
    expect(code).toBe(1);
    expect(await running).toBeInstanceOf(Error);
    // Nothing the call started outlives the gateway.
    await waitFor(
      'the run to be gone',
      () => processesMatching(`sleep ${mark}`).length === 0,
      60_000,
    );
  }, 300_000);
});
