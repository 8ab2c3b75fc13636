import type { Placement } from '../pools/placement.js';
import type { PoolSpec } from '../pools/pool-spec.js';
import type { Format, PoolName } from '../protocol/deployments.js';
import type { Runtime, RuntimeFactory } from './types.js';

/** Where the registry's runtimes are placed: the gateway's pools and its placement backend. */
export interface RegistryPlacement {
  pools: readonly PoolSpec[];
  placement: Placement;
}

/**
 * The formats this gateway can serve, in detection order. With a placement, every runtime a
 * factory makes is a replica placed on its pool (`spec.placement`), released when it unloads.
 */
export class RuntimeRegistry {
  private readonly byFormat = new Map<Format, RuntimeFactory>();

  constructor(factories: RuntimeFactory[], placed?: RegistryPlacement) {
    const pools = new Map<PoolName, PoolSpec>(placed?.pools.map((p) => [p.name, p]));
    for (const f of factories)
      this.byFormat.set(f.format, placed ? placedFactory(f, pools, placed.placement) : f);
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

/** `factory` whose runtimes are placed replicas: placed as made, released once unloaded. */
function placedFactory<R extends Runtime>(
  factory: RuntimeFactory<R>,
  pools: ReadonlyMap<PoolName, PoolSpec>,
  placement: Placement,
): RuntimeFactory<R> {
  return {
    format: factory.format,
    kind: factory.kind,
    detect: (file) => factory.detect(file),
    create: (spec) => {
      const pool = pools.get(spec.pool);
      // A pool no longer configured (a version published before the pools file changed).
      if (!pool) return factory.create(spec);
      const lease = placement.place(pool, spec.config, spec.name);
      let runtime: R;
      try {
        runtime = factory.create({ ...spec, placement: lease });
      } catch (err) {
        lease.release();
        throw err;
      }
      const unload = runtime.unload.bind(runtime);
      runtime.unload = async () => {
        try {
          await unload();
        } finally {
          lease.release();
        }
      };
      return runtime;
    },
  };
}
