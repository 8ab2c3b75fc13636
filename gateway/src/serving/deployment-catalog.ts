import type { DeploymentRecord, DeploymentRepository } from '../db/deployment-repository.js';
import type { KeyOwner } from '../db/key-repository.js';
import { hashToken } from '../auth/tokens.js';
import { databaseUnavailable } from '../db/unavailable.js';

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * Values by key, read through `load` and then served from memory: an expired value is still
 * answered at once while it is read again in the background (one read per key at a time), so
 * the invoke path waits on the database only for what it has never seen. A value `load`
 * answers as undefined is not kept.
 */
class ReadThrough<T> {
  private readonly entries = new Map<string, Cached<T>>();
  private readonly reads = new Map<string, Promise<T | undefined>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    /** Most entries kept: a flood of distinct keys cannot grow this without limit. */
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const hit = this.entries.get(key);
    if (!hit) return this.read(key, load);
    if (hit.expires <= this.now()) void this.read(key, load).catch(() => {});
    return hit.value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  deleteWhere(test: (value: T) => boolean): void {
    for (const [k, e] of this.entries) if (test(e.value)) this.entries.delete(k);
  }

  private read(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    let reading = this.reads.get(key);
    if (reading) return reading;
    reading = load()
      .then(
        (value) => {
          if (value === undefined) this.entries.delete(key);
          else {
            if (this.entries.size >= this.maxEntries) this.entries.clear();
            this.entries.set(key, { value, expires: this.now() + this.ttlMs });
          }
          return value;
        },
        (err: unknown) => {
          throw databaseUnavailable(err);
        },
      )
      .finally(() => this.reads.delete(key));
    this.reads.set(key, reading);
    return reading;
  }
}

/** Where the catalog reads invoke keys, and whom it tells of their use. */
export interface CatalogKeys {
  ownerOfHash(hash: string): Promise<KeyOwner | undefined>;
  /** Called for every call a valid key admits (for `last_used_at`); must not block. */
  used?(id: string): void;
}

/**
 * Deployment records and invoke-key owners kept in memory for the invoke path, so a call
 * does not wait on the database. Changes made through this gateway invalidate at once; other
 * gateways sharing one Postgres converge within the TTL. While the database is away, what is
 * known is served as it was last read (the models are in memory and the log journals to
 * disk), and only what was never read answers 503.
 */
export class DeploymentCatalog {
  private readonly records: ReadThrough<DeploymentRecord>;
  private readonly keyOwners: ReadThrough<KeyOwner>;

  constructor(
    private readonly repo: DeploymentRepository,
    private readonly keys: CatalogKeys,
    ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new ReadThrough(ttlMs, now);
    this.keyOwners = new ReadThrough(ttlMs, now);
  }

  get(name: string): Promise<DeploymentRecord | undefined> {
    return this.records.get(name, () => this.repo.get(name));
  }

  /**
   * The deployment an invoke key belongs to; undefined for an unknown key or one past its
   * expiry (checked on every call, so a grace period ends on time whatever is cached).
   * Unknown keys are not kept.
   */
  async keyOwner(token: string): Promise<string | undefined> {
    const hash = hashToken(token);
    const owner = await this.keyOwners.get(hash, () => this.keys.ownerOfHash(hash));
    if (!owner) return undefined;
    if (owner.expiresAt && owner.expiresAt.getTime() <= this.now()) return undefined;
    this.keys.used?.(owner.id);
    return owner.deploymentName;
  }

  invalidate(name: string): void {
    this.records.delete(name);
    this.keyOwners.deleteWhere((owner) => owner.deploymentName === name);
  }
}
