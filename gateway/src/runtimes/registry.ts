import type { Placement } from '../pools/placement.js';
import type { RemoteReplicas } from '../pools/remote-replicas.js';
import type { ReplicaBudget } from '../pools/replica-budget.js';
import type { PoolSpec } from '../pools/pool-spec.js';
import type { Format, PoolName } from '../protocol/deployments.js';
import { replicatedRuntime } from '../pools/replicated-runtime.js';
import type { Runtime, RuntimeFactory } from './types.js';

/** Where the registry's runtimes are placed: the gateway's pools and its placement backend. */
export interface RegistryPlacement {
  pools: readonly PoolSpec[];
  placement: Placement;
  /** The memory every loaded replica may take together (`SLIPWAY_REPLICA_MEMORY_MB`). */
  budget?: ReplicaBudget;
  /** Where the replicas of pools on a cluster run. */
  remote?: RemoteReplicas;
}

/**
 * The formats this gateway can serve, in detection order. Every runtime a factory makes is a
 * deployment version served by replicas under one lifecycle (scaling, readiness, idle stop);
 * with a placement, each replica is placed on its pool (`spec.placement`) and released when it
 * stops.
 */
export class RuntimeRegistry {
  private readonly byFormat = new Map<Format, RuntimeFactory>();

  constructor(factories: RuntimeFactory[], placed?: RegistryPlacement) {
    const pools = new Map<PoolName, PoolSpec>(placed?.pools.map((p) => [p.name, p]));
    for (const f of factories) this.byFormat.set(f.format, replicatedFactory(f, pools, placed));
  }

  get(format: Format): RuntimeFactory | undefined {
    return this.byFormat.get(format);
  }

  formats(): Format[] {
    return [...this.byFormat.keys()];
  }

  /** The first factory that recognises the file, or undefined. */
  detect(file: { head: Uint8Array; filename?: string }): RuntimeFactory | undefined {
    for (const f of this.byFormat.values()) if (f.detect(file)) return f;
    return undefined;
  }
}

/**
 * `factory` whose runtimes are served by replicas under the shared lifecycle, each placed on
 * its pool (when the gateway has the pool and a placement backend).
 */
function replicatedFactory<R extends Runtime>(
  factory: RuntimeFactory<R>,
  pools: ReadonlyMap<PoolName, PoolSpec>,
  placed: RegistryPlacement | undefined,
): RuntimeFactory<R> {
  return {
    format: factory.format,
    kind: factory.kind,
    detect: (file) => factory.detect(file),
    create: (spec) =>
      replicatedRuntime(factory, spec, {
        pool: pools.get(spec.pool),
        placement: placed?.placement,
        budget: placed?.budget,
        remote: placed?.remote,
      }),
  };
}
