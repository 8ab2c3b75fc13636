import type { DeploymentRecord, DeploymentRepository } from '../db/deployment-repository.js';
import { hashToken } from '../auth/tokens.js';

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * Deployment records and invoke-key owners kept in memory for the invoke path, so a call
 * does not query the database. Changes made through this gateway invalidate at once; the
 * short TTL lets several gateways sharing one Postgres converge on each other's changes.
 */
export class DeploymentCatalog {
  private readonly records = new Map<string, Cached<DeploymentRecord>>();
  private readonly keyOwners = new Map<string, Cached<string>>();

  constructor(
    private readonly repo: DeploymentRepository,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(name: string): Promise<DeploymentRecord | undefined> {
    const hit = this.records.get(name);
    if (hit && hit.expires > this.now()) return hit.value;
    const record = await this.repo.get(name);
    if (record) this.records.set(name, { value: record, expires: this.now() + this.ttlMs });
    else this.records.delete(name);
    return record;
  }

  /** The deployment an invoke key belongs to. Unknown keys are not cached. */
  async keyOwner(token: string): Promise<string | undefined> {
    const hash = hashToken(token);
    const hit = this.keyOwners.get(hash);
    if (hit && hit.expires > this.now()) return hit.value;
    const owner = await this.repo.deploymentForKeyHash(hash);
    if (owner) {
      // Bounded: a flood of distinct valid keys cannot grow this without limit.
      if (this.keyOwners.size > 10_000) this.keyOwners.clear();
      this.keyOwners.set(hash, { value: owner, expires: this.now() + this.ttlMs });
    } else this.keyOwners.delete(hash);
    return owner;
  }

  invalidate(name: string): void {
    this.records.delete(name);
    for (const [hash, owner] of this.keyOwners)
      if (owner.value === name) this.keyOwners.delete(hash);
  }
}
