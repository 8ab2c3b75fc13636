import {
  MAX_VERSION,
  type DeploymentRecord,
  type DeploymentRepository,
  type TrafficShare,
  type TrafficSplit,
} from '../db/deployment-repository.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { ShadowView, TrafficSplitView } from '../protocol/deployments.js';
import type { DeploymentCatalog } from '../serving/deployment-catalog.js';
import type { ModelHost } from '../serving/model-host.js';
import { presentSplit } from './present-deployment.js';

/** A header name as HTTP allows it (RFC 9110 token), at most 64 characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
/** A version key of a split: digits, no sign, no leading zero. */
const VERSION_KEY = /^[1-9][0-9]{0,9}$/;

export interface TrafficServiceDeps {
  repo: DeploymentRepository;
  catalog: DeploymentCatalog;
  host: ModelHost;
  /** What the data plane's shadow calls of a deployment did since the gateway started. */
  shadowStats: (name: string) => { sent: number; dropped: number; inFlight: number };
}

/**
 * A deployment's traffic split between versions and its shadow version. Changes are stored,
 * then the catalog forgets the deployment so that the next call reads them; the versions they
 * name are loaded at once (first calls are warm), and versions that nothing routes to any more
 * are retired.
 */
export class TrafficService {
  constructor(private readonly deps: TrafficServiceDeps) {}

  async traffic(name: string): Promise<TrafficSplitView> {
    return presentTraffic(await this.require(name));
  }

  /**
   * Sets the split from `{"<version>": percent, …, "sticky"?: "<header>"}`: whole percents that
   * sum to exactly 100, of versions that exist. A 400 names every problem at once.
   */
  async setTraffic(name: string, body: Record<string, unknown>): Promise<TrafficSplitView> {
    const before = await this.require(name);
    const split = parseSplit(body);
    const known = new Set(await this.versionNumbers(name));
    const unknown = split.shares.map((s) => s.version).filter((v) => !known.has(v));
    const sum = split.shares.reduce((total, s) => total + s.percent, 0);
    const problems: string[] = [];
    if (unknown.length > 0)
      problems.push(
        `unknown version${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (deployment ${name} has ${[...known].join(', ')})`,
      );
    if (sum !== 100) problems.push(`the percentages sum to ${sum}, not 100`);
    if (problems.length > 0)
      throw new InvalidInputError(`traffic: ${problems.join('; ')}`, undefined, 'invalid_split');
    return presentTraffic(await this.store(before, () => this.deps.repo.setTraffic(name, split)));
  }

  /** Sends every call that names no version to the live version again. */
  async clearTraffic(name: string): Promise<TrafficSplitView> {
    const before = await this.require(name);
    return presentTraffic(await this.store(before, () => this.deps.repo.setTraffic(name, null)));
  }

  async shadow(name: string): Promise<ShadowView> {
    return this.presentShadow(await this.require(name));
  }

  /** Makes `version` (an existing version, not the live one, not a notebook) the shadow. */
  async setShadow(name: string, version: number): Promise<ShadowView> {
    const before = await this.require(name);
    const v = await this.deps.repo.version(name, version);
    if (!v)
      throw new InvalidInputError(
        `version: unknown version ${version} (deployment ${name} has ${await this.versionList(name)})`,
        'version',
        'unknown_version',
      );
    if (version === before.liveVersion)
      throw new InvalidInputError(
        `version: ${version} is the live version; a shadow must be another version`,
        'version',
        'shadow_is_live',
      );
    if (this.deps.host.kindOf(v.format) !== 'model')
      throw new InvalidInputError(
        `version: ${version} is a ${v.format} deployment; only models are shadowed (a notebook run is not repeated)`,
        'version',
        'not_a_model',
      );
    return this.presentShadow(
      await this.store(before, () => this.deps.repo.setShadow(name, version)),
    );
  }

  /** Stops sending copies to the shadow. */
  async clearShadow(name: string): Promise<ShadowView> {
    const before = await this.require(name);
    return this.presentShadow(await this.store(before, () => this.deps.repo.setShadow(name, null)));
  }

  /** Stores a change, makes this gateway see it at once, warms what it routes to, retires what it no longer does. */
  private async store(
    before: DeploymentRecord,
    change: () => Promise<boolean>,
  ): Promise<DeploymentRecord> {
    const { name } = before;
    if (!(await change())) throw new NotFoundError(`deployment ${name}`);
    await this.deps.catalog.changed(name);
    const after = await this.require(name);
    const routed = routedVersions(after);
    for (const version of routed) {
      if (this.deps.host.peek(name, version)) continue;
      const v = await this.deps.repo.version(name, version);
      // Errors surface on the calls (or in the shadow's rows).
      if (v) void this.deps.host.acquire(v, after.pool).catch(() => {});
    }
    for (const version of routedVersions(before))
      if (!routed.has(version)) void this.deps.host.retire(name, version).catch(() => {});
    return after;
  }

  /** The deployment's versions, ascending. */
  private async versionNumbers(name: string): Promise<number[]> {
    return (await this.deps.repo.versions(name)).map((v) => v.version).sort((a, b) => a - b);
  }

  private async versionList(name: string): Promise<string> {
    return (await this.versionNumbers(name)).join(', ');
  }

  private async require(name: string): Promise<DeploymentRecord> {
    const record = await this.deps.repo.get(name);
    if (!record) throw new NotFoundError(`deployment ${name}`);
    return record;
  }

  private presentShadow(record: DeploymentRecord): ShadowView {
    return {
      name: record.name,
      liveVersion: record.liveVersion,
      version: record.shadowVersion,
      ...this.deps.shadowStats(record.name),
    };
  }
}

/** Every version a deployment's calls may reach without naming one: live, split and shadow. */
export function routedVersions(record: DeploymentRecord): Set<number> {
  const versions = new Set([record.liveVersion]);
  for (const s of record.traffic?.shares ?? []) versions.add(s.version);
  if (record.shadowVersion !== null) versions.add(record.shadowVersion);
  return versions;
}

function presentTraffic(record: DeploymentRecord): TrafficSplitView {
  return {
    name: record.name,
    liveVersion: record.liveVersion,
    split: record.traffic ? presentSplit(record.traffic.shares) : null,
    sticky: record.traffic?.sticky ?? null,
  };
}

/** The split's shape: version keys with whole percents, and an optional sticky header name. */
function parseSplit(body: Record<string, unknown>): TrafficSplit {
  let sticky: string | null = null;
  const shares: TrafficShare[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'sticky') {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'string' || !HEADER_NAME.test(value))
        throw new InvalidInputError(
          `sticky: expected a request header name (1-64 letters, digits or !#$%&'*+-.^_\`|~), got ${JSON.stringify(value)}`,
          'sticky',
        );
      // Header names are case-insensitive; requests are read by the lower-case name.
      sticky = value.toLowerCase();
      continue;
    }
    if (!VERSION_KEY.test(key) || Number(key) > MAX_VERSION)
      throw new InvalidInputError(
        `${key}: expected a version number (or "sticky") as a key`,
        key,
        'invalid_split',
      );
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100)
      throw new InvalidInputError(
        `${key}: expected a whole percent from 0 to 100`,
        key,
        'invalid_split',
      );
    shares.push({ version: Number(key), percent: value });
  }
  if (shares.length === 0)
    throw new InvalidInputError(
      'traffic: expected at least one version, e.g. {"2": 90, "3": 10}',
      undefined,
      'invalid_split',
    );
  shares.sort((a, b) => a.version - b.version);
  return { shares, sticky };
}
