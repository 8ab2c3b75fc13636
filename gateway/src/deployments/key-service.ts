import { randomUUID } from 'node:crypto';
import { hashToken, newToken } from '../auth/tokens.js';
import type { DeploymentRepository } from '../db/deployment-repository.js';
import type { KeyRecord, KeyRepository } from '../db/key-repository.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { InvokeKeyInfo, InvokeKeyList, NewInvokeKey } from '../protocol/keys.js';
import type { DeploymentCatalog } from '../serving/deployment-catalog.js';

export interface KeyServiceDeps {
  repo: DeploymentRepository;
  keys: KeyRepository;
  catalog: DeploymentCatalog;
  /** The clock expiries are set and compared with; `Date.now` unless a test passes another. */
  now?: () => number;
  /** Told of a revoked key, so that its use is no longer tracked. */
  onRevoke?: (id: string) => void;
}

/**
 * A deployment's invoke keys: issue a new one (optionally revoking the others after a grace
 * period), list them, revoke one. Every change makes the catalog forget the deployment's keys,
 * so a revoked key is refused by the next call.
 */
export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  private now(): Date {
    return new Date((this.deps.now ?? Date.now)());
  }

  async list(name: string): Promise<InvokeKeyList> {
    await this.require(name);
    return { keys: (await this.deps.keys.list(name, this.now())).map(presentKey) };
  }

  /**
   * Issues a new key. `revokeOthersAfterSeconds`: every other key stops working that many
   * seconds from now (0: at once); undefined: they keep working.
   */
  async issue(name: string, revokeOthersAfterSeconds?: number): Promise<NewInvokeKey> {
    await this.require(name);
    const now = this.now();
    const key = newToken('sk');
    const row = await this.deps.keys.issue({
      id: randomUUID(),
      deploymentName: name,
      hash: hashToken(key),
      now,
      revokeOthersAt:
        revokeOthersAfterSeconds === undefined
          ? null
          : new Date(now.getTime() + revokeOthersAfterSeconds * 1000),
    });
    await this.deps.catalog.changed(name);
    return { id: row.id, key, createdAt: row.createdAt.toISOString() };
  }

  /**
   * Revokes one key at once. Refused (409 `last_key`) when no other key that does not expire
   * would be left: callers would have no key to move to, so issue one first.
   */
  async revoke(name: string, id: string): Promise<void> {
    await this.require(name);
    const keys = await this.deps.keys.list(name, this.now());
    if (!keys.some((k) => k.id === id)) throw new NotFoundError(`key ${id} of deployment ${name}`);
    if (!keys.some((k) => k.id !== id && k.expiresAt === null))
      throw new ConflictError(
        `key ${id} is the last lasting key of deployment ${name}: issue a new one first (POST /api/deployments/${name}/keys, with "revokeOthersAfterSeconds": 0 to replace it at once)`,
        'last_key',
      );
    if (!(await this.deps.keys.revoke(name, id)))
      throw new NotFoundError(`key ${id} of deployment ${name}`);
    await this.deps.catalog.changed(name);
    this.deps.onRevoke?.(id);
  }

  private async require(name: string): Promise<void> {
    if (!(await this.deps.repo.get(name))) throw new NotFoundError(`deployment ${name}`);
  }
}

function presentKey(k: KeyRecord): InvokeKeyInfo {
  return {
    id: k.id,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    expiresAt: k.expiresAt?.toISOString() ?? null,
  };
}
