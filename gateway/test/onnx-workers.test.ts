import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { spinModel } from '../src/runtimes/onnx/testing/onnx-models.js';
import { gatewayProcesses } from './support/gateway-process.js';
import { publishForm } from './support/test-gateway.js';

// The real gateway process with an ONNX model that never ends (a Loop of 1e12 turns) running in
// its worker: SIGTERM still stops it, and the worker goes too. (The in-app side of ONNX workers
// is in onnx-isolation.test.ts.)
const FOREVER = 1e12;

describe('the gateway process', () => {
  const processes = gatewayProcesses();

  it('stops on SIGTERM while an ONNX call runs, and its worker ends too', async () => {
    const token = 'sa_onnx-stop-admin-token-0000';
    const proc = await processes.start({
      ...(await processes.env()),
      SLIPWAY_ADMIN_TOKEN: token,
      SLIPWAY_DRAIN_SECONDS: '1',
    });
    const created = await fetch(`${proc.url}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: publishForm({ name: 'spin' }, { bytes: spinModel(), filename: 'spin.onnx' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const workers = await childrenOf(proc.pid);
    expect(workers.length).toBeGreaterThan(0);

    const running = fetch(`${proc.url}/fn/spin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ n: FOREVER }),
    }).catch(() => undefined);
    // The gateway still answers while the model runs in its worker.
    expect((await fetch(`${proc.url}/api/health`)).status).toBe(200);

    const exited = proc.stop();
    await exited;
    await running;
    // The worker stops by itself once the gateway is gone, stuck run or not.
    for (const pid of workers) await gone(pid);
  }, 120_000);
});

/** The process ids whose parent is `pid` (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(entry));
  }
  return out;
}

/** Resolves once process `pid` has ended (the test's own timeout bounds the wait). */
async function gone(pid: number): Promise<void> {
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Gone, or a zombie that nobody has reaped yet (it no longer runs).
    if (!stat || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
