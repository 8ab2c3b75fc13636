import { and, asc, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Format, PoolName } from '../protocol/deployments.js';
import type { Signature } from '../protocol/signature.js';
import type { Db } from './client.js';
import {
  artifacts,
  deployments,
  featureRollups,
  invocations,
  predictions,
  qualityRollups,
  retrainRuns,
  runs,
  trainers,
  tokens,
  versions,
  type TrafficShare,
} from './schema.js';

export type { TrafficShare } from './schema.js';

/** Versions are int4 columns: the largest a query may name (2^31 - 1). */
export const MAX_VERSION = 2_147_483_647;

/** A deployment row joined with its live version. */
export interface DeploymentRecord {
  name: string;
  pool: PoolName;
  public: boolean;
  liveVersion: number;
  /** How calls that name no version are shared; null: the live version answers them all. */
  traffic: TrafficSplit | null;
  /** The version that receives copies of the calls; null: none. */
  shadowVersion: number | null;
  createdAt: Date;
  updatedAt: Date;
  live: VersionRecord;
}

/** A deployment's traffic split, as the data plane reads it on every call. */
export interface TrafficSplit {
  /** In ascending version order; the percents sum to 100. */
  shares: TrafficShare[];
  /** Request header (lower case) whose value keeps a caller on one version; null: none. */
  sticky: string | null;
}

export interface VersionRecord {
  deploymentName: string;
  version: number;
  format: Format;
  artifactSha256: string;
  artifactSize: number;
  filename: string | null;
  config: Record<string, unknown>;
  signature: Signature;
  /** null: published; 'candidate': made by retraining and never live yet; 'retired'. */
  stage: 'candidate' | 'retired' | null;
  /** The retraining run that made it; null: uploaded. */
  retrainRunId: string | null;
  /** The gate's comparison with live (`GateResult`); null: not gated. */
  gate: unknown;
  createdAt: Date;
}

export interface NewVersion {
  name: string;
  pool: PoolName;
  public: boolean;
  format: Format;
  artifactSha256: string;
  artifactSize: number;
  filename: string | null;
  config: Record<string, unknown>;
  signature: Signature;
  /** SHA-256 of the invoke key to store if this publish creates the deployment. */
  invokeKeyHash: string;
  invokeKeyId: string;
}

/** A version a retraining run made: stored beside live, not live. */
export type NewCandidate = Pick<
  NewVersion,
  'name' | 'format' | 'artifactSha256' | 'artifactSize' | 'filename' | 'config' | 'signature'
> & { retrainRunId: string };

/** Deployments, their versions, artifacts and invoke keys. */
export class DeploymentRepository {
  constructor(private readonly db: Db) {}

  /**
   * Adds a version (creating the deployment at version 1 when the name is new) and makes it
   * live, in one transaction. `created` says whether the invoke key was stored.
   */
  async publish(v: NewVersion): Promise<{ record: DeploymentRecord; created: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx
        .insert(artifacts)
        .values({ sha256: v.artifactSha256, size: v.artifactSize })
        .onConflictDoNothing();
      const inserted = await tx
        .insert(deployments)
        .values({ name: v.name, pool: v.pool, public: v.public, liveVersion: 1 })
        .onConflictDoNothing()
        .returning({ name: deployments.name });
      const created = inserted.length === 1;
      // Lock the row first, then read the highest version in a later statement: under READ
      // COMMITTED a later statement sees what a publish that held the lock committed.
      await tx
        .select({ name: deployments.name })
        .from(deployments)
        .where(eq(deployments.name, v.name))
        .for('update');
      const [row] = await tx
        .select({ max: sql<number | null>`max(${versions.version})` })
        .from(versions)
        .where(eq(versions.deploymentName, v.name));
      const version = created ? 1 : Number(row?.max ?? 0) + 1;
      await tx.insert(versions).values({
        deploymentName: v.name,
        version,
        format: v.format,
        artifactSha256: v.artifactSha256,
        filename: v.filename,
        config: v.config,
        signature: v.signature,
      });
      if (created) {
        await tx
          .insert(tokens)
          .values({ id: v.invokeKeyId, deploymentName: v.name, hash: v.invokeKeyHash });
      } else {
        await tx
          .update(deployments)
          // A new live version answers every call: the split and the shadow were set against
          // the version it replaces.
          .set({
            liveVersion: version,
            pool: v.pool,
            public: v.public,
            ...NO_ROUTING,
            updatedAt: new Date(),
          })
          .where(eq(deployments.name, v.name));
      }
      const record = await getWith(tx as unknown as Db, v.name);
      if (!record) throw new Error(`deployment ${v.name} vanished inside its own transaction`);
      return { record, created };
    });
  }

  /**
   * Adds a candidate version (the next number) to an existing deployment without making it
   * live. Returns its number, or undefined when the deployment is gone.
   */
  async addCandidate(c: NewCandidate): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      await tx
        .insert(artifacts)
        .values({ sha256: c.artifactSha256, size: c.artifactSize })
        .onConflictDoNothing();
      // The same lock as a publish: version numbers are given out one at a time.
      const [locked] = await tx
        .select({ name: deployments.name })
        .from(deployments)
        .where(eq(deployments.name, c.name))
        .for('update');
      if (!locked) return undefined;
      const [row] = await tx
        .select({ max: sql<number | null>`max(${versions.version})` })
        .from(versions)
        .where(eq(versions.deploymentName, c.name));
      const version = Number(row?.max ?? 0) + 1;
      await tx.insert(versions).values({
        deploymentName: c.name,
        version,
        format: c.format,
        artifactSha256: c.artifactSha256,
        filename: c.filename,
        config: c.config,
        signature: c.signature,
        stage: 'candidate',
        retrainRunId: c.retrainRunId,
      });
      return version;
    });
  }

  /** Sets a version's stage (null: an ordinary published version). False: no such version. */
  async setStage(name: string, version: number, stage: VersionRecord['stage']): Promise<boolean> {
    if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) return false;
    const updated = await this.db
      .update(versions)
      .set({ stage })
      .where(and(eq(versions.deploymentName, name), eq(versions.version, version)))
      .returning({ version: versions.version });
    return updated.length === 1;
  }

  /** Stores a version's gate result. */
  async setGate(name: string, version: number, gate: unknown): Promise<void> {
    await this.db
      .update(versions)
      .set({ gate })
      .where(and(eq(versions.deploymentName, name), eq(versions.version, version)));
  }

  async get(name: string): Promise<DeploymentRecord | undefined> {
    // A text column holds no NUL (the database would refuse the query): no name has one.
    if (name.includes('\0')) return undefined;
    return getWith(this.db, name);
  }

  async list(): Promise<DeploymentRecord[]> {
    const rows = await selectLive(this.db).orderBy(asc(deployments.name));
    return rows.map((r) => toRecord(r.d, toVersion(r.v, r.size)));
  }

  async versions(name: string): Promise<VersionRecord[]> {
    const rows = await this.db
      .select({ v: versions, size: artifacts.size })
      .from(versions)
      .innerJoin(artifacts, eq(artifacts.sha256, versions.artifactSha256))
      .where(eq(versions.deploymentName, name))
      .orderBy(desc(versions.version));
    return rows.map((r) => toVersion(r.v, r.size));
  }

  async version(name: string, version: number): Promise<VersionRecord | undefined> {
    // No row holds a version outside int4; the database would refuse the query itself.
    if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) return undefined;
    const [r] = await this.db
      .select({ v: versions, size: artifacts.size })
      .from(versions)
      .innerJoin(artifacts, eq(artifacts.sha256, versions.artifactSha256))
      .where(and(eq(versions.deploymentName, name), eq(versions.version, version)));
    return r ? toVersion(r.v, r.size) : undefined;
  }

  /**
   * Makes `version` live. A change of live version clears the traffic split and the shadow
   * (they were set against the version it replaces); making the live version live again keeps
   * them. Returns false when the deployment or version does not exist.
   */
  async setLive(name: string, version: number): Promise<boolean> {
    const exists = await this.version(name, version);
    if (!exists) return false;
    const same = sql`${deployments.liveVersion} = ${version}`;
    const updated = await this.db
      .update(deployments)
      .set({
        liveVersion: version,
        traffic: sql`case when ${same} then ${deployments.traffic} else null end`,
        stickyHeader: sql`case when ${same} then ${deployments.stickyHeader} else null end`,
        shadowVersion: sql`case when ${same} then ${deployments.shadowVersion} else null end`,
        updatedAt: new Date(),
      })
      .where(eq(deployments.name, name))
      .returning({ name: deployments.name });
    return updated.length === 1;
  }

  /**
   * Sets (or with null clears) the traffic split. The caller has checked that its versions
   * exist. Returns false when the deployment does not exist.
   */
  async setTraffic(name: string, split: TrafficSplit | null): Promise<boolean> {
    const updated = await this.db
      .update(deployments)
      .set({
        traffic: split?.shares ?? null,
        stickyHeader: split?.sticky ?? null,
        updatedAt: new Date(),
      })
      .where(eq(deployments.name, name))
      .returning({ name: deployments.name });
    return updated.length === 1;
  }

  /** Sets (or with null clears) the shadow version. Returns false when the deployment does not exist. */
  async setShadow(name: string, version: number | null): Promise<boolean> {
    const updated = await this.db
      .update(deployments)
      .set({ shadowVersion: version, updatedAt: new Date() })
      .where(eq(deployments.name, name))
      .returning({ name: deployments.name });
    return updated.length === 1;
  }

  /**
   * Deletes the deployment with its versions, keys and invocation log.
   * Returns the artifacts no version references any more, so their files can go too.
   */
  async delete(
    name: string,
  ): Promise<{ deleted: boolean; orphanArtifacts: string[]; runIds: string[] }> {
    return this.db.transaction(async (tx) => {
      const used = [
        ...(await tx
          .selectDistinct({ sha: versions.artifactSha256 })
          .from(versions)
          .where(eq(versions.deploymentName, name))),
        ...(await trainerFiles(tx as unknown as Db, eq(trainers.deploymentName, name))),
      ];
      // Retraining runs go with the deployment (cascade); their executed notebooks too.
      const retrainIds = await tx
        .select({ id: retrainRuns.id })
        .from(retrainRuns)
        .where(eq(retrainRuns.deploymentName, name));
      const gone = await tx
        .delete(deployments)
        .where(eq(deployments.name, name))
        .returning({ name: deployments.name });
      if (gone.length === 0) return { deleted: false, orphanArtifacts: [], runIds: [] };
      await tx.delete(invocations).where(eq(invocations.deploymentName, name));
      await tx.delete(predictions).where(eq(predictions.deploymentName, name));
      await tx.delete(featureRollups).where(eq(featureRollups.deploymentName, name));
      await tx.delete(qualityRollups).where(eq(qualityRollups.deploymentName, name));
      const runIds = [
        ...(
          await tx.delete(runs).where(eq(runs.deploymentName, name)).returning({ id: runs.id })
        ).map((r) => r.id),
        ...retrainIds.map((r) => r.id),
      ];
      const shas = [...new Set(used.map((u) => u.sha))];
      if (shas.length === 0) return { deleted: true, orphanArtifacts: [], runIds };
      const stillUsed = [
        ...(await tx
          .selectDistinct({ sha: versions.artifactSha256 })
          .from(versions)
          .where(inArray(versions.artifactSha256, shas))),
        ...(await trainerFiles(
          tx as unknown as Db,
          or(inArray(trainers.artifactSha256, shas), inArray(trainers.trainingFileSha256, shas))!,
        )),
      ];
      const keep = new Set(stillUsed.map((s) => s.sha));
      const orphans = shas.filter((s) => !keep.has(s));
      if (orphans.length > 0) await tx.delete(artifacts).where(inArray(artifacts.sha256, orphans));
      return { deleted: true, orphanArtifacts: orphans, runIds };
    });
  }

  /** The deployment an invoke key (by hash) belongs to. */
  async deploymentForKeyHash(hash: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ name: tokens.deploymentName })
      .from(tokens)
      .where(eq(tokens.hash, hash));
    return row?.name;
  }

  /** Every artifact the database knows, for cleaning files left by an interrupted upload. */
  /** Artifacts a version or a trainer uses. */
  async referencedArtifacts(): Promise<string[]> {
    const used = await this.db.selectDistinct({ sha: versions.artifactSha256 }).from(versions);
    const files = await trainerFiles(this.db, sql`true`);
    return [...new Set([...used, ...files].map((r) => r.sha))];
  }

  async artifactShas(): Promise<string[]> {
    const rows = await this.db.select({ sha: artifacts.sha256 }).from(artifacts);
    return rows.map((r) => r.sha);
  }
}

/** The files (notebook and training file) of the trainers `where` selects. */
async function trainerFiles(db: Db, where: SQL): Promise<{ sha: string }[]> {
  const rows = await db
    .select({ a: trainers.artifactSha256, t: trainers.trainingFileSha256 })
    .from(trainers)
    .where(where);
  return rows.flatMap((r) => (r.t ? [{ sha: r.a }, { sha: r.t }] : [{ sha: r.a }]));
}

/** What a new live version resets: every call goes to it, and nothing shadows it. */
const NO_ROUTING = { traffic: null, stickyHeader: null, shadowVersion: null } as const;

/** Deployments joined with their live version and its artifact. */
function selectLive(db: Db) {
  return db
    .select({ d: deployments, v: versions, size: artifacts.size })
    .from(deployments)
    .innerJoin(
      versions,
      and(
        eq(versions.deploymentName, deployments.name),
        eq(versions.version, deployments.liveVersion),
      ),
    )
    .innerJoin(artifacts, eq(artifacts.sha256, versions.artifactSha256))
    .$dynamic();
}

async function getWith(db: Db, name: string): Promise<DeploymentRecord | undefined> {
  const [r] = await selectLive(db).where(eq(deployments.name, name));
  return r ? toRecord(r.d, toVersion(r.v, r.size)) : undefined;
}

function toVersion(v: typeof versions.$inferSelect, size: number): VersionRecord {
  return {
    deploymentName: v.deploymentName,
    version: v.version,
    format: v.format as Format,
    artifactSha256: v.artifactSha256,
    artifactSize: Number(size),
    filename: v.filename,
    config: v.config,
    signature: v.signature as Signature,
    stage: v.stage ?? null,
    retrainRunId: v.retrainRunId ?? null,
    gate: v.gate ?? null,
    createdAt: v.createdAt,
  };
}

function toRecord(d: typeof deployments.$inferSelect, live: VersionRecord): DeploymentRecord {
  return {
    name: d.name,
    pool: d.pool as PoolName,
    public: d.public,
    liveVersion: d.liveVersion,
    traffic: d.traffic
      ? {
          shares: [...d.traffic].sort((a, b) => a.version - b.version),
          sticky: d.stickyHeader,
        }
      : null,
    shadowVersion: d.shadowVersion,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    live,
  };
}
