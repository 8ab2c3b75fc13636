import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/databases.js';
import { gatewayProcesses } from '../support/gateway-process.js';
import { publishForm } from '../support/test-gateway.js';

// Nothing acknowledged is lost: the real gateway process is killed with SIGKILL at a random
// moment under load, five times over, and after each restart every call a client got an answer
// for — a prediction or a refusal — is in the invocation log.

const fixtures = new URL('../fixtures/pmml/', import.meta.url);
const CALLERS = 8;
const ROUNDS = 5;

/**
 * Calls `url` from CALLERS loops until the process dies; answers the ids of every answered
 * call. One call in five is a bad record, so refusals count too. Resolves once `enough` calls
 * were answered and the process was then killed by `crash`.
 */
async function loadUntilCrash(
  url: string,
  key: string,
  records: unknown[],
  enough: number,
  crash: () => Promise<void>,
): Promise<string[]> {
  const acknowledged: string[] = [];
  let crashed: Promise<void> | undefined;
  const caller = async (n: number) => {
    for (let i = 0; ; i++) {
      const bad = (i + n) % 5 === 0;
      const body = bad ? { age: 'not a number' } : records[(i * CALLERS + n) % records.length];
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await res.arrayBuffer();
      } catch {
        return; // the process is gone: this call was never answered
      }
      expect(res.status, `call ${i} of caller ${n}`).toBe(bad ? 400 : 200);
      acknowledged.push(res.headers.get('x-request-id')!);
      if (acknowledged.length >= enough) crashed ??= crash();
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, (_, n) => caller(n)));
  await crashed;
  return acknowledged;
}

describe.each(testDatabaseKinds)('a gateway killed under load on %s', (kind) => {
  const processes = gatewayProcesses();

  it('keeps every answered call in the log, across five kills', async () => {
    const env: Record<string, string> = {
      ...(await processes.env(kind)),
      SLIPWAY_ADMIN_TOKEN: 'sa_crash-test-admin-token-0123',
      // Rows would otherwise sit in memory for up to a minute: the journal is what keeps them.
      SLIPWAY_LOG_FLUSH_MS: '60000',
    };
    const auth = { authorization: `Bearer ${env.SLIPWAY_ADMIN_TOKEN}` };
    const model = await readFile(new URL('s2p_logistic.pmml', fixtures));
    const { records } = JSON.parse(
      await readFile(new URL('s2p_logistic.expected.json', fixtures), 'utf8'),
    ) as { records: unknown[] };

    let proc = await processes.start(env);
    const keys: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const res = await fetch(`${proc.url}/api/deployments`, {
        method: 'POST',
        headers: auth,
        body: publishForm({ name: `churn-${round}` }, { bytes: model, filename: 'm.pmml' }),
      });
      expect(res.status).toBe(201);
      keys.push((await res.json()).invokeKey);
    }

    for (let round = 0; round < ROUNDS; round++) {
      const running = proc;
      const acknowledged = await loadUntilCrash(
        `${running.url}/fn/churn-${round}`,
        keys[round]!,
        records,
        randomInt(20, 400),
        () => running.kill(),
      );
      proc = await processes.start(env);
      const res = await fetch(`${proc.url}/api/deployments/churn-${round}/invocations?limit=1000`, {
        headers: auth,
      });
      const logged = new Set(((await res.json()).invocations as { id: string }[]).map((i) => i.id));
      const lost = acknowledged.filter((id) => !logged.has(id));
      expect(lost, `round ${round}: ${acknowledged.length} answered`).toEqual([]);
    }
  }, 600_000);
});
