/** A replica the budget can stop: what it costs, when it was last used, and how to stop it. */
export interface BudgetedReplica {
  /** Estimated memory, MiB. */
  readonly memoryMb: number;
  /** True while it answers a call: never stopped for the budget then. */
  busy(): boolean;
  /** When it last answered (or became ready), for least-recently-used order. */
  lastUsed(): number;
  /** Stops it for the budget; its set starts another on the next call (a cold start). */
  evict(): void;
}

/**
 * The memory every loaded replica of the gateway may take together, across deployments. When
 * a replica that starts brings the total past the budget, idle replicas are stopped, least
 * recently used first, until it fits again — also those `minReplicas` keeps, since a thousand
 * deployments kept warm at once would not fit in any machine. A replica answering a call is
 * never stopped, so the total can pass the budget while every replica is busy.
 */
export class ReplicaBudget {
  private readonly held = new Set<BudgetedReplica>();
  private evictions = 0;

  constructor(
    /** MiB; Infinity: no budget. */
    readonly budgetMb: number,
  ) {}

  /** Counts `replica` from now on and makes room for it; returns what removes it. */
  add(replica: BudgetedReplica): () => void {
    this.held.add(replica);
    this.makeRoom(replica);
    return () => void this.held.delete(replica);
  }

  /** MiB held by the replicas counted now. */
  usedMb(): number {
    let total = 0;
    for (const r of this.held) total += r.memoryMb;
    return total;
  }

  /** Replicas stopped for the budget since the gateway started. */
  evicted(): number {
    return this.evictions;
  }

  private makeRoom(keep: BudgetedReplica): void {
    let used = this.usedMb();
    if (used <= this.budgetMb) return;
    const idle = [...this.held]
      .filter((r) => r !== keep && !r.busy())
      .sort((a, b) => a.lastUsed() - b.lastUsed());
    for (const r of idle) {
      if (used <= this.budgetMb) return;
      this.held.delete(r);
      used -= r.memoryMb;
      this.evictions++;
      r.evict();
    }
  }
}

/** Memory a replica is estimated to take, MiB, when its deployment does not say (`config.memoryMb`). */
export function estimatedMemoryMb(format: string, artifactBytes: number): number {
  const mb = artifactBytes / (1024 * 1024);
  switch (format) {
    // Compiled in the gateway: the document's tree and closures, several times the XML.
    case 'pmml':
      return 1 + 8 * mb;
    // A worker process of its own (onnxruntime-node), and the session's copy of the weights;
    // measured at about 92 MiB for a small model (bench/many-deployments.mjs).
    case 'onnx':
      return 100 + 3 * mb;
    // A Python process with numpy, pandas and scikit-learn imported, and the unpickled model
    // (about 177 MiB for a small one, measured by the same benchmark).
    case 'pickle':
      return 180 + 4 * mb;
    // A model in the shared JVM.
    case 'mojo':
      return 10 + 4 * mb;
    // A notebook's warm kernels.
    default:
      return 150;
  }
}
