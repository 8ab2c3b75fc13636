import type { CallSnippets } from './call-snippets.js';
import type { Signature } from './signature.js';

export type Format = 'onnx' | 'pmml' | 'pickle' | 'mojo' | 'notebook';
export const FORMATS: readonly Format[] = ['onnx', 'pmml', 'pickle', 'mojo', 'notebook'];

export type PoolName = 'cpu' | 'gpu' | 'highmem';
export const POOL_NAMES: readonly PoolName[] = ['cpu', 'gpu', 'highmem'];

/**
 * `pending`: on a pool of a cluster, no replica is up and the newest waits for its pod (the
 * scheduler cannot place it yet); `statusReason` says why.
 */
export type DeploymentStatus = 'ready' | 'loading' | 'pending' | 'failed';

/** One published version of a deployment. */
export interface VersionInfo {
  version: number;
  format: Format;
  artifactSha256: string;
  artifactSize: number;
  live: boolean;
  createdAt: string;
}

/** A deployment as the management API returns it. */
export interface Deployment {
  name: string;
  version: number;
  format: Format;
  pool: PoolName;
  status: DeploymentStatus;
  /**
   * Why it is `failed` (its load failed, or no replica can start on its pool) or `pending` (the
   * scheduler's reason); absent otherwise.
   */
  statusReason?: string;
  public: boolean;
  invokeUrl: string;
  /** Shown once, in the answer to the publish that created the deployment. */
  invokeKey?: string;
  signature: Signature;
  /** What the publisher should know, e.g. that a notebook has no parameters cell. */
  warnings?: string[];
  curl: string;
  /**
   * The same example call as curl, Python `requests` and JavaScript `fetch`, each working when
   * pasted; they read the invoke key from `$SLIPWAY_KEY` (none for a public deployment).
   */
  snippets: CallSnippets;
  createdAt: string;
  updatedAt: string;
}

/**
 * What publishing a file would make (a publish with `dryRun=true`): nothing is stored. The
 * publish dialog shows it before the upload that counts.
 */
export interface PublishCheck {
  name: string;
  format: Format;
  signature: Signature;
  warnings: string[];
  /** The deployment of that name as it is live now; null when the name is free. */
  existing: { version: number; format: Format; signature: Signature } | null;
  /** Why callers of `existing` would fail (see allowSignatureChange); [] when none would. */
  breakingChanges: string[];
}

/** Detail view: the deployment plus its versions, its traffic split and its shadow. */
export interface DeploymentDetail extends Deployment {
  versions: VersionInfo[];
  /**
   * How calls that name no version are shared; null: the live version answers them all.
   * Always sent by this gateway (optional only for answers of older ones).
   */
  traffic?: { split: Record<string, number>; sticky: string | null } | null;
  /** The version receiving copies of the calls; null: none. Always sent, as `traffic` is. */
  shadow?: { version: number } | null;
}

/**
 * A deployment's traffic split (`/api/deployments/:name/traffic`): version → whole percent of
 * the calls that name no version, summing to 100; null when the live version answers them all.
 */
export interface TrafficSplitView {
  name: string;
  liveVersion: number;
  split: Record<string, number> | null;
  /** Request header whose value keeps a caller on one version; null: each call is drawn. */
  sticky: string | null;
}

/** A deployment's shadow (`/api/deployments/:name/shadow`), with what it did since the gateway started. */
export interface ShadowView {
  name: string;
  liveVersion: number;
  /** The version receiving copies of the calls; null: none. */
  version: number | null;
  /** Copies sent to a shadow. */
  sent: number;
  /** Copies dropped because as many shadow calls as allowed were under way. */
  dropped: number;
  /** Shadow calls under way now. */
  inFlight: number;
}

/** One recorded call. */
export interface Invocation {
  id: string;
  name: string;
  version: number;
  time: string;
  latencyMs: number;
  status: number;
  protocol: string;
  input: unknown;
  output: unknown;
  error: { code: string; message: string } | null;
  /** Fields the call's records carried that the model does not take (dropped); null if none. */
  ignoredFields: string[] | null;
  /** Why `input` and `output` are not kept as they came (too large, not storable); null if they are. */
  truncated: string | null;
}

/** Aggregates for a deployment over a window. */
export interface Metrics {
  name: string;
  from: string;
  to: string;
  count: number;
  /** Calls answered with status >= 400 (bad input included). */
  errors: number;
  /** Calls answered with status >= 500: the model or the gateway failed. */
  serverErrors: number;
  errorRate: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  /**
   * Fields callers sent that the model does not take, with how many calls carried each (most
   * first): an id or label column, or a misspelt name the model never sees.
   */
  ignoredFields: { name: string; calls: number }[];
  /** Calls whose input or output the log could not keep as they came (see `Invocation.truncated`). */
  truncatedCalls: number;
  series: MetricsPoint[];
}

export interface MetricsPoint {
  minute: string;
  count: number;
  errors: number;
  serverErrors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One replica of a deployment version: where it runs and what it does now. */
export interface ReplicaView {
  id: number;
  state: 'starting' | 'ready' | 'stopping';
  /** Calls it is answering now. */
  calls: number;
  /** Its pool, and the GPU devices it was given there. */
  pool: string | null;
  devices: string[];
  /** The pod it is, on a pool of a cluster. */
  pod?: string;
  startedAt: string;
  lastCallAt: string | null;
}

/** How a deployment's replicas come and go (its `config` with defaults by format and pool). */
export interface LifecycleView {
  /** Replicas kept however idle (0: scale to zero). */
  minReplicas: number;
  /** The most replicas it scales out to (also bounded by its pool's room). */
  maxReplicas: number;
  /** Calls one replica takes at once. */
  concurrency: number;
  /** A replica above `minReplicas` stops after this long without calls. */
  idleSeconds: number;
  /** Calls that may wait for a replica when every one is busy; more are a 429. */
  queueSize: number;
  /** The longest a call waits in that queue before it is a 429. */
  queueSeconds: number;
}

/** A deployment's replicas (`/api/deployments/:name/replicas`): by version in memory. */
export interface ReplicasView {
  name: string;
  pool: PoolName;
  status: DeploymentStatus;
  statusReason: string | null;
  lifecycle: LifecycleView;
  /**
   * Calls that waited for a start (a version's load, a replica's start) since the gateway
   * started, with the wait's percentiles over the last 100 of them.
   */
  coldStarts: { count: number; p50Ms: number | null; p95Ms: number | null; lastAt: string | null };
  /** Versions in memory: the live one, others called by number, retiring ones draining. */
  versions: {
    version: number;
    live: boolean;
    retiring: boolean;
    /** Calls under way on it. */
    calls: number;
    replicas: ReplicaView[];
  }[];
}
