import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { Format, LifecycleView } from '../protocol/deployments.js';
import { parseRuntimeConfig } from '../runtimes/runtime-config.js';
import type { PoolSpec } from './pool-spec.js';

/** How a deployment's replicas come and go, from its `config` with defaults by format and pool. */
export type LifecycleSettings = LifecycleView;

const count = (max: number) => z.number().int().min(0).max(max);

const schema = z.object({
  minReplicas: count(1_000).optional(),
  maxReplicas: count(1_000).min(1).optional(),
  concurrency: count(1_024).min(1).optional(),
  /** The name every worker-based format had before lifecycles: `concurrency` wins. */
  maxConcurrency: count(1_024).min(1).optional(),
  // A timer past 2^31 - 1 ms would fire at once: a week is the most.
  idleSeconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .optional(),
  queueSize: count(10_000).optional(),
  queueSeconds: z.number().positive().max(3_600).optional(),
});

/**
 * Defaults by format. Formats scored in the gateway process (PMML, and ONNX/PMML kept warm on
 * `cpu`) answer in microseconds on the event loop: one replica, many calls at once. Formats
 * with a worker process per replica (pickle, ONNX) scale out; a notebook's parallelism is its
 * kernels, a MOJO's the JVM's threads, so one replica each unless asked for more.
 */
const DEFAULTS: Record<Format, Omit<LifecycleSettings, 'minReplicas'>> = {
  onnx: { maxReplicas: 4, concurrency: 8, idleSeconds: 900, queueSize: 64, queueSeconds: 30 },
  pmml: { maxReplicas: 1, concurrency: 256, idleSeconds: 900, queueSize: 256, queueSeconds: 30 },
  pickle: { maxReplicas: 4, concurrency: 4, idleSeconds: 900, queueSize: 64, queueSeconds: 30 },
  mojo: { maxReplicas: 1, concurrency: 16, idleSeconds: 900, queueSize: 64, queueSeconds: 30 },
  notebook: { maxReplicas: 1, concurrency: 4, idleSeconds: 600, queueSize: 32, queueSeconds: 60 },
};

/** Models scored in the gateway process stay loaded on `cpu`; everything else scales to zero. */
function defaultMinReplicas(format: Format, pool: string): number {
  return (format === 'onnx' || format === 'pmml') && pool === 'cpu' ? 1 : 0;
}

/**
 * Reads the lifecycle settings of a deployment's `config`; a bad value, or one outside what its
 * pool allows, is a 400 naming `config.<field>` (memory is checked with the pool's room, in
 * `pool-capacity.ts`).
 */
export function lifecycleSettings(
  config: Record<string, unknown>,
  format: Format,
  pool: PoolSpec | undefined,
  poolName: string = pool?.name ?? 'cpu',
): LifecycleSettings {
  const c = parseRuntimeConfig(schema, config);
  // A format served by a runtime of a test or plugin: the defaults of a worker-based one.
  const d = DEFAULTS[format] ?? DEFAULTS.pickle;
  const settings: LifecycleSettings = {
    minReplicas: c.minReplicas ?? defaultMinReplicas(format, poolName),
    // A default is fitted to the pool; only a number asked for can be refused.
    maxReplicas:
      c.maxReplicas ??
      Math.max(Math.min(d.maxReplicas, pool?.maxReplicas ?? Infinity), c.minReplicas ?? 0),
    concurrency: c.concurrency ?? c.maxConcurrency ?? d.concurrency,
    idleSeconds: c.idleSeconds ?? d.idleSeconds,
    queueSize: c.queueSize ?? d.queueSize,
    queueSeconds: c.queueSeconds ?? d.queueSeconds,
  };
  if (settings.minReplicas > settings.maxReplicas)
    throw new InvalidInputError(
      `config.minReplicas: ${settings.minReplicas} is more than config.maxReplicas (${settings.maxReplicas})`,
      'config.minReplicas',
    );
  if (!pool) return settings;
  if (settings.maxReplicas > pool.maxReplicas)
    throw new InvalidInputError(
      `config.maxReplicas: the ${pool.name} pool runs at most ${pool.maxReplicas} replicas, and ${settings.maxReplicas} were asked for`,
      'config.maxReplicas',
    );
  return settings;
}
