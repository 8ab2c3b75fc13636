import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the Kafka broker started for this run. */
    kafkaBroker: string;
  }
}

const script = fileURLToPath(new URL('../../../scripts/kafka/broker.sh', import.meta.url));
const run = promisify(execFile);

/**
 * Starts one Kafka broker (KRaft: broker and controller in one JVM) on two free loopback ports
 * with its data in a temporary folder, and stops it (by its pid) and removes the folder after
 * the run. The jars come from Maven Central once (`broker.sh fetch`), cached per version.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  try {
    await run('bash', [script, 'start', String(port), String(controllerPort), dir], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 180_000,
    });
  } catch (err) {
    await run('bash', [script, 'stop', dir]).catch(() => {});
    throw new Error(
      `the Kafka broker did not start (needs a JDK and, the first time, Maven: bash scripts/kafka/broker.sh fetch): ${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  project.provide('kafkaBroker', `127.0.0.1:${port}`);
  return async () => {
    await run('bash', [script, 'stop', dir]);
  };
}

/** A free loopback port (test/support/gateway-process.ts has one too, but it imports vitest). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
