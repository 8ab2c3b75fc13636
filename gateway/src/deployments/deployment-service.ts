import { checkStorableJson } from '../validation/storable-json.js';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore, ReceivedFile, StoredArtifact } from '../artifacts/artifact-store.js';
import { hashToken, newToken } from '../auth/tokens.js';
import {
  MAX_VERSION,
  type DeploymentRecord,
  type DeploymentRepository,
} from '../db/deployment-repository.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  SlipwayError,
  UnusableArtifactError,
} from '../errors.js';
import {
  FORMATS,
  POOL_NAMES,
  type Deployment,
  type DeploymentDetail,
  type PublishCheck,
  type ReplicasView,
  type Format,
  type PoolName,
} from '../protocol/deployments.js';
import type { RuntimeRegistry } from '../runtimes/registry.js';
import type { RuntimeFactory } from '../runtimes/types.js';
import type { Signature } from '../protocol/signature.js';
import type { Runtime } from '../runtimes/types.js';
import { breakingSignatureChanges } from '../retraining/signature-changes.js';
import { servingOptions } from '../serving/serving-options.js';
import type { ModelHost } from '../serving/model-host.js';
import type { DeploymentCatalog } from '../serving/deployment-catalog.js';
import {
  checkRoom,
  reservationOf,
  usageOf,
  type PoolUsage,
  type Reservation,
} from '../pools/pool-capacity.js';
import type { PoolSpec } from '../pools/pool-spec.js';
import type { RemoteReplicas } from '../pools/remote-replicas.js';
import { lifecycleSettings } from '../pools/lifecycle-settings.js';
import { ColdStartTally } from '../pools/cold-starts.js';
import { presentDeployment, presentDetail } from './present-deployment.js';
import { routedVersions } from './traffic-service.js';

/** DNS-label names, so a deployment can become a Kubernetes Service as it is. */
export const DEPLOYMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The publish form's fields as they arrive: multipart strings, and the file already received. */
export interface PublishForm {
  /** The uploaded file, in the artifact store's temporary area (see `receive`). */
  file?: ReceivedFile;
  name?: string;
  format?: string;
  pool?: string;
  config?: string;
  public?: string;
  /** 'true': a new version may break the live version's callers (see `signatureConflict`). */
  allowSignatureChange?: string;
  /** 'true': check the file and answer what publishing it would make (`check`); store nothing. */
  dryRun?: string;
}

/** What the caller of a publish adds: who may publish to the name (a throw refuses it). */
export interface PublishOptions {
  /** Called once the name is known, before the file is loaded; `exists`: a new version. */
  authorize?: (name: string, exists: boolean) => Promise<void>;
}

export interface DeploymentServiceDeps {
  repo: DeploymentRepository;
  store: ArtifactStore;
  registry: RuntimeRegistry;
  host: ModelHost;
  catalog: DeploymentCatalog;
  publicUrl: string;
  /** Where notebook runs leave their executed notebooks. */
  runsDir: string;
  /** Pools this gateway has; publishing elsewhere is a 422, to a full one a 409. */
  pools: PoolSpec[];
  /** Cold starts per deployment since the gateway started, for `replicas`. */
  coldStarts?: ColdStartTally;
  /** The backend of pools on a cluster: whether one can be used, and deletion of what it made. */
  remote?: Pick<RemoteReplicas, 'unavailable' | 'removeDeployment'>;
  /** Told of every change, once it is stored (live events, metrics). */
  onChange?: (name: string, change: 'published' | 'deleted' | 'rolled_back') => void;
  /**
   * Awaited after a publish or a rollback made a version live, before the answer: the version
   * history records it, and a canary against the version it replaced ends.
   */
  onLiveChange?: (change: LiveChange) => Promise<void>;
}

/** A version made live by a publish or a rollback. */
export interface LiveChange {
  name: string;
  change: 'published' | 'rolled_back';
  version: number;
  /** The version live before; null: the publish created the deployment. */
  previous: number | null;
}

/** Publish, list, inspect, roll back and delete deployments. */
export class DeploymentService {
  /** Publishes under way, by the hash of their file. */
  private readonly publishing = new Map<string, number>();

  constructor(private readonly deps: DeploymentServiceDeps) {}

  /**
   * Streams an upload into the artifact store's temporary area, hashed and counted on the way
   * (TooLargeError past `maxBytes`); `publish` then keeps it or removes it.
   */
  receive(
    source: AsyncIterable<Uint8Array>,
    opts: { maxBytes: number; filename?: string },
  ): Promise<ReceivedFile> {
    return this.deps.store.receive(source, opts);
  }

  /** Removes a received file that will not be published. */
  discard(file: ReceivedFile): Promise<void> {
    return this.deps.store.discard(file);
  }

  /**
   * Publishes a received file: checks the form, detects the format from the file's head,
   * stores the file under its hash and loads it. The received file is gone afterwards, kept
   * or not.
   */
  async publish(
    form: PublishForm,
    opts: PublishOptions = {},
  ): Promise<{ deployment: Deployment; created: boolean }> {
    try {
      const { previous, ...published } = await this.publishReceived(form, opts);
      const { name, version } = published.deployment;
      await this.deps.onLiveChange?.({ name, change: 'published', version, previous });
      this.deps.onChange?.(name, 'published');
      return published;
    } finally {
      if (form.file) await this.deps.store.discard(form.file);
    }
  }

  /**
   * Checks a received file as `publish` would — the form, the format, a load of the file by its
   * runtime — and answers what publishing it would make: its format, signature and warnings,
   * and what it would change for the deployment of that name. Nothing is stored or served.
   */
  async check(form: PublishForm, opts: PublishOptions = {}): Promise<PublishCheck> {
    try {
      const input = this.parseForm(form);
      await this.checkPlacement(input);
      const previous = await this.deps.repo.get(input.name);
      await opts.authorize?.(input.name, previous !== undefined);
      const { result, runtime } = await this.loadFile(
        input,
        async ({ factory, signature, runtime }) => ({
          name: input.name,
          format: factory.format,
          signature,
          warnings: runtime.warnings?.() ?? [],
          existing: previous
            ? {
                version: previous.liveVersion,
                format: previous.live.format,
                signature: previous.live.signature,
              }
            : null,
          breakingChanges: previous
            ? breakingSignatureChanges(previous.live.signature, signature)
            : [],
        }),
        { store: false },
      );
      await runtime.unload().catch(() => {});
      return result;
    } finally {
      if (form.file) await this.deps.store.discard(form.file);
    }
  }

  private async publishReceived(
    form: PublishForm,
    opts: PublishOptions,
  ): Promise<{ deployment: Deployment; created: boolean; previous: number | null }> {
    const input = this.parseForm(form);
    await this.checkPlacement(input);
    const { repo, host, catalog } = this.deps;
    const previous = await repo.get(input.name);
    await opts.authorize?.(input.name, previous !== undefined);
    const { result } = await this.loadFile(
      input,
      async ({ factory, artifact, runtime, signature }) => {
        if (previous && !input.allowSignatureChange) {
          const conflict = signatureConflict(previous, { format: factory.format, signature });
          if (conflict) throw conflict;
        }
        // A rollout: the new version takes calls only once a replica of it is ready (on a
        // cluster, its first pod); until then, and if it never is, the live version serves.
        if (previous) await runtime.ready?.();
        const invokeKey = newToken('sk');
        const { record, created } = await repo.publish({
          name: input.name,
          pool: input.pool,
          public: input.public,
          format: factory.format,
          artifactSha256: artifact.sha256,
          artifactSize: artifact.size,
          filename: input.filename ?? null,
          config: input.config,
          signature,
          invokeKeyHash: hashToken(invokeKey),
          invokeKeyId: randomUUID(),
        });
        host.adopt(record.live, runtime);
        // The versions it replaces (live, split and shadow) stop once their calls are done.
        if (previous) this.retireRouted(previous, record.liveVersion);
        await catalog.changed(input.name);
        const warnings = runtime.warnings?.() ?? [];
        return {
          deployment: presentDeployment(record, {
            publicUrl: this.deps.publicUrl,
            status: 'ready',
            invokeKey: created ? invokeKey : undefined,
            warnings,
          }),
          created,
          previous: previous?.liveVersion ?? null,
        };
      },
    );
    return result;
  }

  /**
   * Detects the file's format, stores it under its hash, loads it with its runtime and hands
   * all that to `use`. When anything fails, nothing half-made stays behind: the runtime is
   * unloaded and the stored file goes unless a stored version uses it. With `store: false` (a
   * check) the runtime loads the received file where it is: the store is not touched, so a
   * publish of the same bytes at the same time never finds its file removed under it.
   */
  private async loadFile<T>(
    input: ReturnType<DeploymentService['parseForm']>,
    use: (loaded: {
      factory: RuntimeFactory;
      artifact: StoredArtifact;
      runtime: Runtime;
      signature: Signature;
    }) => Promise<T>,
    { store: keep = true }: { store?: boolean } = {},
  ): Promise<{ result: T; runtime: Runtime; artifact: StoredArtifact }> {
    const { store } = this.deps;
    const factory = this.factoryOf(input);
    // The pool's defaults for the format, under the deployment's own: stored with the version.
    const defaults = this.deps.pools.find((p) => p.name === input.pool)?.formats[factory.format];
    if (defaults) input.config = { ...defaults, ...input.config };
    const { file } = input;
    // Counted before the file is stored: a failed publish of the same bytes at the same time
    // then leaves it for this one (see `removeUnused`).
    if (keep) this.publishing.set(file.sha256, (this.publishing.get(file.sha256) ?? 0) + 1);
    const artifact: StoredArtifact = keep
      ? await store.adopt(file)
      : {
          path: file.tmpPath,
          sha256: file.sha256,
          size: file.size,
          filename: file.filename,
          fresh: false,
        };
    let runtime: Runtime | undefined;
    try {
      // Inside the try: a runtime may reject its config as it is constructed, and the stored
      // file must still go.
      runtime = factory.create({
        name: input.name,
        version: 0,
        artifact,
        pool: input.pool,
        config: input.config,
      });
      // The shared options are checked before the file is loaded, so a typo costs no load.
      servingOptions(input.config, runtime.kind);
      await runtime.load();
      const signature = runtime.signature();
      return { result: await use({ factory, artifact, runtime, signature }), runtime, artifact };
    } catch (err) {
      await runtime?.unload().catch(() => {});
      await this.removeUnused(artifact);
      if (err instanceof SlipwayError) throw err;
      throw new UnusableArtifactError(
        `the ${factory.format} runtime could not load the file: ${(err as Error).message}`,
        'unusable_artifact',
        { cause: err },
      );
    } finally {
      if (keep) {
        const left = this.publishing.get(file.sha256)! - 1;
        if (left > 0) this.publishing.set(file.sha256, left);
        else this.publishing.delete(file.sha256);
      }
    }
  }

  /**
   * Removes a file this call stored unless a stored version uses it, or another publish of the
   * same bytes is under way (it found the file stored and counts on it).
   */
  private async removeUnused(artifact: StoredArtifact): Promise<void> {
    if (!artifact.fresh || (this.publishing.get(artifact.sha256) ?? 0) > 1) return;
    if (!(await this.deps.repo.artifactShas()).includes(artifact.sha256))
      await this.deps.store.remove(artifact.sha256);
  }

  async list(): Promise<Deployment[]> {
    const records = await this.deps.repo.list();
    return records.map((r) => this.present(r));
  }

  async get(name: string): Promise<DeploymentDetail> {
    const record = await this.require(name);
    const versions = await this.deps.repo.versions(name);
    const health = this.deps.host.health(name, record.liveVersion);
    return presentDetail(record, versions, {
      publicUrl: this.deps.publicUrl,
      status: health.status,
      statusReason: health.reason,
    });
  }

  /** The replicas of each version in memory, and the lifecycle settings they follow. */
  async replicas(name: string): Promise<ReplicasView> {
    const record = await this.require(name);
    const health = this.deps.host.health(name, record.liveVersion);
    const pool = this.deps.pools.find((p) => p.name === record.pool);
    return {
      name,
      pool: record.pool,
      status: health.status,
      statusReason: health.reason,
      lifecycle: lifecycleSettings(record.live.config, record.live.format, pool, record.pool),
      coldStarts: this.deps.coldStarts?.of(name) ?? new ColdStartTally().of(name),
      versions: this.deps.host
        .replicas(name)
        .sort((a, b) => b.version - a.version)
        .map((v) => ({
          ...v,
          live: v.version === record.liveVersion,
          replicas: v.replicas.map((r) => ({ ...r, pool: r.pool ?? null })),
        })),
    };
  }

  async rollback(name: string, version: unknown): Promise<DeploymentDetail> {
    if (
      typeof version !== 'number' ||
      !Number.isInteger(version) ||
      version < 1 ||
      version > MAX_VERSION
    ) {
      throw new InvalidInputError(
        `version: expected a positive integer up to ${MAX_VERSION}`,
        'version',
      );
    }
    const before = await this.makeLive(name, version);
    const detail = await this.get(name);
    await this.deps.onLiveChange?.({ name, change: 'rolled_back', version, previous: before });
    this.deps.onChange?.(name, 'rolled_back');
    return detail;
  }

  /**
   * Changes a deployment's settings after publish: `changes` over the live version's config (a
   * `null` removes a setting) make a new version of the same file, checked, placed and loaded
   * as a publish is, and made live; the version it replaces drains. A change that alters the
   * signature is refused unless `allowSignatureChange`.
   */
  async reconfigure(
    name: string,
    changes: Record<string, unknown>,
    allowSignatureChange = false,
  ): Promise<DeploymentDetail> {
    const { repo, host, catalog, store, registry } = this.deps;
    checkStorableJson(changes, 'config');
    const previous = await this.require(name);
    const config: Record<string, unknown> = { ...previous.live.config };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete config[key];
      else config[key] = value;
    }
    await this.checkPlacement({ name, pool: previous.pool, config });
    const { live } = previous;
    const factory = registry.get(live.format);
    if (!factory)
      throw new UnusableArtifactError(`format ${live.format} is not served by this gateway`);
    let runtime: Runtime | undefined;
    try {
      runtime = factory.create({
        name,
        version: 0,
        artifact: store.ref(live.artifactSha256, live.artifactSize, live.filename ?? undefined),
        pool: previous.pool,
        config,
      });
      servingOptions(config, runtime.kind);
      await runtime.load();
      const signature = runtime.signature();
      if (!allowSignatureChange) {
        const conflict = signatureConflict(previous, { format: live.format, signature });
        if (conflict) throw conflict;
      }
      await runtime.ready?.();
      const { record } = await repo.publish({
        name,
        pool: previous.pool,
        public: previous.public,
        format: live.format,
        artifactSha256: live.artifactSha256,
        artifactSize: live.artifactSize,
        filename: live.filename,
        config,
        signature,
        // The deployment exists: no key is made.
        invokeKeyHash: hashToken(newToken('sk')),
        invokeKeyId: randomUUID(),
      });
      host.adopt(record.live, runtime);
      this.retireRouted(previous, record.liveVersion);
      await catalog.changed(name);
      await this.deps.onLiveChange?.({
        name,
        change: 'published',
        version: record.liveVersion,
        previous: previous.liveVersion,
      });
      this.deps.onChange?.(name, 'published');
      return await this.get(name);
    } catch (err) {
      await runtime?.unload().catch(() => {});
      throw err;
    }
  }

  /**
   * Makes an existing version live (a rollback, a promotion): stores it, makes this gateway
   * see it at once, loads it and retires what the previous routing sent calls to. Returns the
   * version live before. Tells no one: the caller records and announces the change.
   */
  async makeLive(name: string, version: number): Promise<number> {
    const previous = await this.require(name);
    const before = previous.liveVersion;
    if (!(await this.deps.repo.setLive(name, version)))
      throw new NotFoundError(`version ${version} of deployment ${name}`);
    await this.deps.catalog.changed(name);
    // Load it now so the first call after the change is warm; errors surface on invoke.
    const record = await this.require(name);
    void this.deps.host.acquire(record.live, record.pool).catch(() => {});
    // A change of live version cleared the split and the shadow: what they routed to retires.
    if (before !== version) this.retireRouted(previous, version);
    return before;
  }

  async delete(name: string): Promise<void> {
    const { deleted, orphanArtifacts, runIds } = await this.deps.repo.delete(name);
    if (!deleted) throw new NotFoundError(`deployment ${name}`);
    await this.deps.catalog.changed(name);
    this.deps.onChange?.(name, 'deleted');
    // Calls under way finish on their version; new ones find no deployment.
    await this.deps.host.retireAll(name);
    // On a cluster, everything made for it goes (by label), versions not loaded here included.
    await this.deps.remote?.removeDeployment(name).catch((err: unknown) => {
      console.error(`[slipway] deleting ${name}'s objects on its cluster failed:`, err);
    });
    await Promise.all(orphanArtifacts.map((sha) => this.deps.store.remove(sha)));
    await Promise.all(
      runIds.map((id) => rm(join(this.deps.runsDir, `${id}.ipynb`), { force: true })),
    );
  }

  /** Loads every live version in the background (after a restart), so first calls are warm. */
  async warmUp(): Promise<void> {
    const records = await this.deps.repo.list();
    await Promise.allSettled(records.map((r) => this.deps.host.acquire(r.live, r.pool)));
  }

  async require(name: string): Promise<DeploymentRecord> {
    const record = await this.deps.repo.get(name);
    if (!record) throw new NotFoundError(`deployment ${name}`);
    return record;
  }

  /** Retires every version `previous` routed calls to, except the version now live. */
  private retireRouted(previous: DeploymentRecord, live: number): void {
    for (const v of routedVersions(previous))
      if (v !== live) void this.deps.host.retire(previous.name, v).catch(() => {});
  }

  private present(r: DeploymentRecord): Deployment {
    const health = this.deps.host.health(r.name, r.liveVersion);
    return presentDeployment(r, {
      publicUrl: this.deps.publicUrl,
      status: health.status,
      statusReason: health.reason,
    });
  }

  /** Each pool with what its deployments hold and what is left (`GET /api/pools`). */
  async poolUsage(): Promise<PoolUsage[]> {
    const held = await this.reservations();
    return this.deps.pools.map((pool) => {
      const unavailable =
        pool.backend === 'kubernetes' ? this.deps.remote?.unavailable(pool.name) : undefined;
      return { ...usageOf(pool, held), ...(unavailable ? { unavailable } : {}) };
    });
  }

  /** What every deployment holds of its pool (but `except`); those on pools now gone are left out. */
  private async reservations(except?: string): Promise<Reservation[]> {
    const pools = new Map(this.deps.pools.map((p) => [p.name, p]));
    const held: Reservation[] = [];
    for (const d of await this.deps.repo.list()) {
      const on = pools.get(d.pool);
      if (on && d.name !== except) held.push(reservationOf(d.name, on, d.live.config));
    }
    return held;
  }

  /**
   * Checks that the deployment fits its pool beside the others (a new version replaces what
   * its deployment holds): 422 when the pool can never hold it, 409 when it is full for now.
   */
  private async checkPlacement(input: {
    name: string;
    pool: PoolName;
    config: Record<string, unknown>;
  }): Promise<void> {
    // A pool no longer configured holds nothing to check (its versions keep running).
    const pool = this.deps.pools.find((p) => p.name === input.pool);
    if (!pool) return;
    if (pool.backend === 'kubernetes') {
      const why = this.deps.remote
        ? this.deps.remote.unavailable(pool.name)
        : 'this gateway has no cluster backend';
      if (why)
        throw new SlipwayError(
          503,
          'pool_unavailable',
          `pool: the ${pool.name} pool is unavailable: ${why}`,
          'pool',
        );
      // The cluster's scheduler decides where replicas fit: one it cannot place is `pending`.
      return;
    }
    checkRoom(
      pool,
      await this.reservations(input.name),
      reservationOf(input.name, pool, input.config),
    );
  }

  /** The runtime a publish's file goes to: its given format, or the one detected. */
  private factoryOf(input: ReturnType<DeploymentService['parseForm']>): RuntimeFactory {
    const { registry } = this.deps;
    const factory = input.format
      ? registry.get(input.format)
      : registry.detect({ head: input.file.head, filename: input.filename });
    if (factory) return factory;
    throw input.format
      ? new UnusableArtifactError(
          `format ${input.format} is not served by this gateway; it serves ${registry.formats().join(', ')}`,
          'unsupported_format',
        )
      : new UnusableArtifactError(
          `could not tell the file's format; pass format= one of ${registry.formats().join(', ')}`,
          'unknown_format',
        );
  }

  /**
   * A publish's name, format and whether the name exists, read from its form without loading
   * the file (nothing of it runs): what an approval is decided on. Throws the form's errors.
   */
  async describeUpload(
    form: PublishForm,
  ): Promise<{ name: string; format: Format; exists: boolean }> {
    const input = this.parseForm(form);
    return {
      name: input.name,
      format: this.factoryOf(input).format as Format,
      exists: (await this.deps.repo.get(input.name)) !== undefined,
    };
  }

  private parseForm(form: PublishForm) {
    if (!form.file)
      throw new InvalidInputError(
        'file: expected the model file as a multipart file field',
        'file',
      );
    if (form.file.size === 0)
      throw new InvalidInputError('file: the uploaded file is empty', 'file');
    const name = form.name ?? '';
    if (!DEPLOYMENT_NAME.test(name)) {
      throw new InvalidInputError(
        `name: expected 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit (got ${JSON.stringify(name)})`,
        'name',
      );
    }
    let format: Format | undefined;
    if (form.format !== undefined && form.format !== '') {
      if (!FORMATS.includes(form.format as Format))
        throw new InvalidInputError(`format: expected one of ${FORMATS.join(', ')}`, 'format');
      format = form.format as Format;
    }
    const pool = (form.pool || 'cpu') as PoolName;
    if (!POOL_NAMES.includes(pool))
      throw new InvalidInputError(`pool: expected one of ${POOL_NAMES.join(', ')}`, 'pool');
    if (!this.deps.pools.some((p) => p.name === pool)) {
      throw new UnusableArtifactError(
        `pool: this gateway has no ${pool} pool (it has ${this.deps.pools.map((p) => p.name).join(', ')}); configure it with SLIPWAY_POOLS or SLIPWAY_POOLS_FILE`,
        'pool_unavailable',
      );
    }
    let config: Record<string, unknown> = {};
    if (form.config !== undefined && form.config !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(form.config);
      } catch {
        throw new InvalidInputError('config: expected a JSON object', 'config');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new InvalidInputError('config: expected a JSON object', 'config');
      checkStorableJson(parsed, 'config');
      config = parsed as Record<string, unknown>;
    }
    const pub = form.public ?? 'false';
    if (pub !== 'true' && pub !== 'false')
      throw new InvalidInputError('public: expected true or false', 'public');
    const allowSignatureChange = form.allowSignatureChange ?? 'false';
    if (allowSignatureChange !== 'true' && allowSignatureChange !== 'false')
      throw new InvalidInputError(
        'allowSignatureChange: expected true or false',
        'allowSignatureChange',
      );
    if (form.dryRun !== undefined && form.dryRun !== 'true' && form.dryRun !== 'false')
      throw new InvalidInputError('dryRun: expected true or false', 'dryRun');
    return {
      file: form.file,
      filename: form.file.filename,
      name,
      format,
      pool,
      config,
      public: pub === 'true',
      allowSignatureChange: allowSignatureChange === 'true',
    };
  }
}

/**
 * The 409 for a new version that would break the live version's callers, naming every
 * breaking difference; undefined when there is none. Only breaking differences count (see
 * `breakingSignatureChanges`): a new optional input or a new output needs no consent.
 */
export function signatureConflict(
  live: DeploymentRecord,
  next: { format: Format; signature: Signature },
): ConflictError | undefined {
  const changes = breakingSignatureChanges(live.live.signature, next.signature);
  if (changes.length === 0) return undefined;
  const was = `${live.name} v${live.liveVersion} (${live.live.format})`;
  return new ConflictError(
    `${was} has other inputs or outputs than this ${next.format} file: ${changes.join('; ')}. ` +
      `Callers sending what ${live.name} takes today would fail. To publish it anyway as a new ` +
      `version of ${live.name}, send allowSignatureChange=true; or publish it under another name.`,
    'signature_changed',
  );
}
