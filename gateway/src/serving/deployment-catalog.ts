import type { DeploymentRecord, DeploymentRepository } from '../db/deployment-repository.js';
import type { KeyOwner } from '../db/key-repository.js';
import { hashToken } from '../auth/tokens.js';
import { databaseUnavailable } from '../db/unavailable.js';
import { noCatalogNotices, type CatalogNotices } from '../db/catalog-notices.js';

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * Values by key, read through `load` and then served from memory: an expired value is still
 * answered at once while it is read again in the background (one read per key at a time), so
 * the invoke path waits on the database only for what it has never seen. A value `load`
 * answers as undefined is not kept, nor is one whose read was under way when its key was
 * invalidated (it may predate the change).
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

  /** What is held for `key`, expired or not, without reading. */
  peek(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  values(): T[] {
    return [...this.entries.values()].map((e) => e.value);
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.reads.delete(key);
  }

  deleteWhere(test: (value: T) => boolean): void {
    for (const [k, e] of this.entries) if (test(e.value)) this.entries.delete(k);
    // Which deployment a read under way belongs to is not known yet.
    this.reads.clear();
  }

  clear(): void {
    this.entries.clear();
    this.reads.clear();
  }

  private read(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const under = this.reads.get(key);
    if (under) return under;
    const reading: Promise<T | undefined> = load()
      .then(
        (value) => {
          // Invalidated meanwhile: answered to those who asked, not kept.
          if (this.reads.get(key) !== reading) return value;
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
      .finally(() => {
        if (this.reads.get(key) === reading) this.reads.delete(key);
      });
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
 * does not wait on the database. A change made through this gateway is forgotten here at once
 * (`changed`) and announced to every gateway sharing the database, whose catalogs forget it as
 * the notice arrives (`followCatalogNotices`). The TTL is left as the bound for a change whose
 * notice could not be sent. While the database is away, what is known is served as it was last
 * read (the models are in memory and the log journals to disk), and only what was never read
 * answers 503.
 */
export class DeploymentCatalog {
  private readonly records: ReadThrough<DeploymentRecord>;
  private readonly keyOwners: ReadThrough<KeyOwner>;
  private readonly repo: Pick<DeploymentRepository, 'get'>;
  private readonly keys: CatalogKeys;
  private readonly notices: CatalogNotices;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;

  constructor({
    repo,
    keys,
    ttlMs = 5_000,
    now = Date.now,
    notices = noCatalogNotices,
    onError = () => {},
  }: {
    repo: Pick<DeploymentRepository, 'get'>;
    keys: CatalogKeys;
    ttlMs?: number;
    now?: () => number;
    /** Where changes are announced to the other gateways; none by default (one process). */
    notices?: CatalogNotices;
    /** Told when an announcement fails (the change itself is made). */
    onError?: (err: unknown) => void;
  }) {
    this.repo = repo;
    this.keys = keys;
    this.notices = notices;
    this.now = now;
    this.onError = onError;
    this.records = new ReadThrough(ttlMs, now);
    this.keyOwners = new ReadThrough(ttlMs, now);
  }

  get(name: string): Promise<DeploymentRecord | undefined> {
    return this.records.get(name, () => this.repo.get(name));
  }

  /** The record held for `name`, however old, without reading; undefined when none is. */
  peek(name: string): DeploymentRecord | undefined {
    return this.records.peek(name);
  }

  /** Every record held, however old. */
  peekAll(): DeploymentRecord[] {
    return this.records.values();
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

  /**
   * This gateway changed deployment `name` (its record, versions, routing or keys) in the
   * database: forgets it here at once, then tells the other gateways. Call once the change is
   * committed. A failed announcement is reported, not thrown: the change is made, and the
   * others see it within the TTL.
   */
  async changed(name: string): Promise<void> {
    this.invalidate(name);
    await this.notices
      .announce(name)
      .catch((err: unknown) =>
        this.onError(
          new Error(`catalog: other gateways were not told that ${name} changed`, { cause: err }),
        ),
      );
  }

  /** Forgets deployment `name` and its keys here only; the next call reads them again. */
  invalidate(name: string): void {
    this.records.delete(name);
    this.keyOwners.deleteWhere((owner) => owner.deploymentName === name);
  }

  /** Forgets every deployment and key (notices may have been missed). */
  invalidateAll(): void {
    this.records.clear();
    this.keyOwners.clear();
  }
}
