import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  Deployment,
  DeploymentDetail,
  ErrorBody,
  Health,
  Invocation,
  Metrics,
  PoolInfo,
  PublishCheck,
  ReplicasView,
} from '../../gateway/src/protocol/index.js';
import type {
  Alert,
  AlertRule,
  AlertRuleInput,
  DriftReport,
  FeedbackResult,
  QualityReport,
  ReferenceSummary,
} from '../../gateway/src/protocol/monitoring.js';
import type { InvocationDetail } from '../../gateway/src/protocol/invocation-detail.js';
import type {
  InvokeKeyInfo,
  InvokeKeyList,
  NewInvokeKey,
  NewInvokeKeyRequest,
} from '../../gateway/src/protocol/keys.js';
import type { NewShareLink, NewShareLinkRequest } from '../../gateway/src/protocol/share-links.js';
import type { AuditEntry, AuditQuery, Me } from '../../gateway/src/protocol/identity.js';
import { isCompatibleGateway, SUPPORTED_GATEWAY } from './compatibility.js';
import {
  GatewayAuthError,
  GatewayForbiddenError,
  GatewayRequestError,
  GatewayUnreachableError,
  IncompatibleGatewayError,
} from './errors.js';
import { JobsClient } from './jobs-client.js';
import { RetrainingClient } from './retraining-client.js';
import { fetchUploader, type Uploader } from './upload.js';

/**
 * Where the gateway's API is and how to authenticate. In JupyterLab it is the Jupyter server's
 * proxy (`<base>/slipway`, no token: the server holds the credential); elsewhere (tests,
 * scripts) the gateway itself with a token.
 */
export interface GatewayConnection {
  /** e.g. `http://127.0.0.1:8787`, no trailing slash needed. */
  baseUrl: string;
  /** Sent as a bearer token when not empty. */
  token: string;
}

/** What a publish sends: the artifact and the deployment's options. */
export interface PublishRequest {
  name: string;
  file: Blob;
  filename: string;
  format?: string;
  pool?: string;
  public?: boolean;
  /** Format options (timeouts, snippets, requirements), sent as the `config` JSON field. */
  config?: Record<string, unknown>;
  /** True: publish a new version even if it breaks the live version's callers (else a 409). */
  allowSignatureChange?: boolean;
}

/** The content types the gateway reads ground truth and references in. */
export type DataContentType =
  'text/csv' | 'application/x-ndjson' | 'application/vnd.apache.parquet';

/** A data file sent as it is: ground truth or a reference. */
export interface DataUpload {
  file: Blob;
  contentType: DataContentType;
}

/** What a ground-truth upload answers: counts, and per item only when the gateway lists them. */
export type FeedbackUploadResult = Omit<FeedbackResult, 'items'> & {
  items?: FeedbackResult['items'];
};

/** The window of a quality or drift report; absent ends: the gateway's defaults. */
export interface ReportWindow {
  /** Absent: every version together. */
  version?: number;
  from?: Date;
  to?: Date;
}

/** What a call from the Try it tab answered. */
export interface TryCallResult {
  status: number;
  /** The answer, parsed when it is JSON. */
  body: unknown;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
  /** The call's id (X-Request-Id): its row among the recent calls. */
  id: string | null;
}

/** How the client talks and in which language its errors speak. */
export interface GatewayClientOptions {
  /** Words the errors are written in: the plugin's bundle (`translator.load('slipway')`). */
  trans: TranslationBundle;
  fetch?: typeof fetch;
  upload?: Uploader;
}

/**
 * The gateway's management API, typed. Every failure is one of the errors in `errors.ts`, so
 * the UI can say what to do. Pure construction: nothing is sent until a method is called.
 */
export class GatewayClient {
  /** The retraining loop: versions, canaries, shadows, retraining runs and trainers. */
  readonly retraining: RetrainingClient = new RetrainingClient(this);
  /** Batch scoring jobs and Kafka stream bindings. */
  readonly jobs: JobsClient = new JobsClient(this);
  private readonly fetchImpl: typeof fetch;
  private readonly upload: Uploader;
  private readonly trans: TranslationBundle;

  constructor(
    private connection: GatewayConnection,
    opts: GatewayClientOptions,
  ) {
    this.trans = opts.trans;
    // Bound: a bare window.fetch called as a method of another object throws "Illegal invocation".
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.upload = opts.upload ?? fetchUploader(this.fetchImpl);
  }

  get baseUrl(): string {
    return this.connection.baseUrl.replace(/\/+$/, '');
  }

  /** Who the gateway takes the caller to be (through the Jupyter server: its user). */
  me(): Promise<Me> {
    return this.request('GET', '/api/me');
  }

  /** The audit log, newest first (admins only: others get a 403). */
  async audit(q: AuditQuery = {}): Promise<AuditEntry[]> {
    const query = new URLSearchParams();
    if (q.actor) query.set('actor', q.actor);
    if (q.deployment) query.set('deployment', q.deployment);
    if (q.from) query.set('from', q.from.toISOString());
    if (q.to) query.set('to', q.to.toISOString());
    if (q.limit !== undefined) query.set('limit', String(q.limit));
    return (await this.request<{ entries: AuditEntry[] }>('GET', `/api/audit${queryString(query)}`))
      .entries;
  }

  /** Liveness and version; needs no token. */
  health(): Promise<Health> {
    return this.request<Health>('GET', '/api/health', { auth: false });
  }

  /**
   * Checks that the gateway answers, speaks a compatible API and accepts the token.
   * Resolves with its health, or rejects with the error to show.
   */
  async check(): Promise<Health> {
    const health = await this.health();
    if (!isCompatibleGateway(health.version))
      throw new IncompatibleGatewayError(this.trans, health.version, SUPPORTED_GATEWAY);
    await this.pools();
    return health;
  }

  async pools(): Promise<PoolInfo[]> {
    return (await this.request<{ pools: PoolInfo[] }>('GET', '/api/pools')).pools;
  }

  async deployments(): Promise<Deployment[]> {
    return (await this.request<{ deployments: Deployment[] }>('GET', '/api/deployments'))
      .deployments;
  }

  deployment(name: string): Promise<DeploymentDetail> {
    return this.request('GET', `/api/deployments/${encodeURIComponent(name)}`);
  }

  /** The replicas of each version in memory, and the lifecycle settings they follow. */
  replicas(name: string): Promise<ReplicasView> {
    return this.request('GET', `/api/deployments/${encodeURIComponent(name)}/replicas`);
  }

  async deleteDeployment(name: string): Promise<void> {
    await this.request('DELETE', `/api/deployments/${encodeURIComponent(name)}`);
  }

  rollback(name: string, version: number): Promise<Deployment> {
    return this.request('POST', `/api/deployments/${encodeURIComponent(name)}/rollback`, {
      json: { version },
    });
  }

  /**
   * Aggregates over the last `minutes` (default an hour), with a per-minute series; of one
   * version's calls when `version` is given (a shadow's copies count only there).
   */
  metrics(
    name: string,
    opts: { minutes?: number; now?: Date; version?: number } = {},
  ): Promise<Metrics> {
    const to = opts.now ?? new Date();
    const from = new Date(to.getTime() - (opts.minutes ?? 60) * 60_000);
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    if (opts.version !== undefined) q.set('version', String(opts.version));
    return this.request('GET', `/api/deployments/${encodeURIComponent(name)}/metrics?${q}`);
  }

  async invocations(name: string, limit = 20): Promise<Invocation[]> {
    const path = `/api/deployments/${encodeURIComponent(name)}/invocations?limit=${limit}`;
    return (await this.request<{ invocations: Invocation[] }>('GET', path)).invocations;
  }

  /** One call in full: input, output, status, error, latency, version; for notebooks its run. */
  invocation(name: string, id: string): Promise<InvocationDetail> {
    return this.request(
      'GET',
      `${this.deploymentPath(name)}/invocations/${encodeURIComponent(id)}`,
    );
  }

  /** The executed notebook of a notebook call (its run has the call's id). */
  callNotebook(name: string, id: string): Promise<Record<string, unknown>> {
    return this.request(
      'GET',
      `${this.deploymentPath(name)}/runs/${encodeURIComponent(id)}/notebook`,
    );
  }

  /**
   * Calls the deployment with the admin token, as a caller would with a key: `/fn/:name` with
   * `body`. Answers the status and the parsed answer, also for a refused call (whose answer is
   * the gateway's error); rejects only when the gateway cannot be reached.
   */
  async tryCall(name: string, body: unknown): Promise<TryCallResult> {
    const started = performance.now();
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}/fn/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { ...this.authHeaders(), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { cause: err });
    }
    const text = await res.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      // Not JSON: shown as the text it is.
    }
    return {
      status: res.status,
      body: answer,
      ms: performance.now() - started,
      id: res.headers.get('x-request-id'),
    };
  }

  /** Uploads an artifact; `onProgress` gets the fraction sent, 0 to 1. */
  async publish(req: PublishRequest, onProgress?: (fraction: number) => void): Promise<Deployment> {
    const form = new FormData();
    form.set('name', req.name);
    if (req.format) form.set('format', req.format);
    if (req.pool) form.set('pool', req.pool);
    if (req.public !== undefined) form.set('public', String(req.public));
    if (req.config && Object.keys(req.config).length)
      form.set('config', JSON.stringify(req.config));
    if (req.allowSignatureChange) form.set('allowSignatureChange', 'true');
    form.set('file', req.file, req.filename);
    return this.sendForm('POST', '/api/deployments', form, onProgress);
  }

  /**
   * What publishing would make of the file (a publish with `dryRun=true`): its format,
   * signature and warnings, and what it would break for the name's callers; nothing is stored.
   */
  checkPublish(req: PublishRequest): Promise<PublishCheck> {
    const form = new FormData();
    form.set('name', req.name);
    if (req.format) form.set('format', req.format);
    if (req.config && Object.keys(req.config).length)
      form.set('config', JSON.stringify(req.config));
    form.set('dryRun', 'true');
    form.set('file', req.file, req.filename);
    return this.sendForm('POST', '/api/deployments', form);
  }

  /** Live quality from the labels sent so far, overall, per version and per time bucket. */
  quality(
    name: string,
    opts: ReportWindow & { bucket?: 'hour' | 'day' } = {},
  ): Promise<QualityReport> {
    const q = windowQuery(opts);
    if (opts.bucket) q.set('bucket', opts.bucket);
    return this.request('GET', `${this.deploymentPath(name)}/quality${queryString(q)}`);
  }

  /** Drift of the inputs in the window against the deployment's reference. */
  drift(name: string, opts: ReportWindow = {}): Promise<DriftReport> {
    return this.request(
      'GET',
      `${this.deploymentPath(name)}/drift${queryString(windowQuery(opts))}`,
    );
  }

  /** Alerts of the deployment, firing and resolved. */
  async alerts(name: string): Promise<Alert[]> {
    return (await this.request<{ alerts: Alert[] }>('GET', `${this.deploymentPath(name)}/alerts`))
      .alerts;
  }

  async alertRules(name: string): Promise<AlertRule[]> {
    const path = `${this.deploymentPath(name)}/alert-rules`;
    return (await this.request<{ rules: AlertRule[] }>('GET', path)).rules;
  }

  createAlertRule(name: string, rule: AlertRuleInput): Promise<AlertRule> {
    return this.request('POST', `${this.deploymentPath(name)}/alert-rules`, { json: rule });
  }

  updateAlertRule(name: string, id: string, rule: AlertRuleInput): Promise<AlertRule> {
    const path = `${this.deploymentPath(name)}/alert-rules/${encodeURIComponent(id)}`;
    return this.request('PUT', path, { json: rule });
  }

  async deleteAlertRule(name: string, id: string): Promise<void> {
    const path = `${this.deploymentPath(name)}/alert-rules/${encodeURIComponent(id)}`;
    await this.request('DELETE', path);
  }

  /** Sends labels for earlier predictions; `onProgress` gets the fraction sent, 0 to 1. */
  sendFeedback(
    name: string,
    data: DataUpload,
    onProgress?: (fraction: number) => void,
  ): Promise<FeedbackUploadResult> {
    return this.uploadData('POST', `${this.deploymentPath(name)}/feedback`, data, onProgress);
  }

  /** Replaces the reference drift is measured against; `onProgress` as for `sendFeedback`. */
  setReference(
    name: string,
    data: DataUpload,
    onProgress?: (fraction: number) => void,
  ): Promise<ReferenceSummary> {
    return this.uploadData('PUT', `${this.deploymentPath(name)}/reference`, data, onProgress);
  }

  /**
   * Opens the server-sent events of one deployment (every deployment's when `name` is
   * absent). Resolves with the body to read once the gateway accepted; rejects with the
   * error to show otherwise. fetch, not EventSource: only fetch can send the token.
   */
  async events(
    name: string | undefined,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const q = name === undefined ? '' : `?${new URLSearchParams({ deployment: name })}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}/api/events${q}`, {
        method: 'GET',
        headers: { ...this.authHeaders(), Accept: 'text/event-stream' },
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { cause: err });
    }
    if (res.ok && res.body) return res.body;
    // The gateway's typed error, as for any other call.
    if (!res.ok) this.parse(res.status, await res.text());
    throw new GatewayRequestError(
      this.trans,
      502,
      'no_stream',
      this.trans.__('%1 sent no event stream', this.baseUrl),
    );
  }

  /** A deployment's invoke keys: ids and dates, never the keys themselves. */
  async invokeKeys(name: string): Promise<InvokeKeyInfo[]> {
    const path = `${this.deploymentPath(name)}/keys`;
    return (await this.request<InvokeKeyList>('GET', path)).keys;
  }

  /** Issues a new invoke key (shown in this answer only), optionally revoking the others. */
  issueInvokeKey(name: string, req: NewInvokeKeyRequest = {}): Promise<NewInvokeKey> {
    return this.request('POST', `${this.deploymentPath(name)}/keys`, { json: req });
  }

  /** Revokes one invoke key now (409 `last_key` when callers would have no other). */
  async revokeInvokeKey(name: string, id: string): Promise<void> {
    await this.request('DELETE', `${this.deploymentPath(name)}/keys/${encodeURIComponent(id)}`);
  }

  /** Creates a share link of the deployment's end-user page (its URL is in this answer only). */
  createShareLink(name: string, req: NewShareLinkRequest = {}): Promise<NewShareLink> {
    return this.request('POST', `${this.deploymentPath(name)}/share-links`, { json: req });
  }

  /** A file the gateway serves (a job's output), with the token: its bytes. */
  async download(path: string): Promise<Blob> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: 'GET',
        headers: this.authHeaders(),
      });
    } catch (err) {
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { cause: err });
    }
    // Not a file: the gateway's typed error, as for any other call.
    if (!res.ok) return this.parse<never>(res.status, await res.text());
    return res.blob();
  }

  private deploymentPath(name: string): string {
    return `/api/deployments/${encodeURIComponent(name)}`;
  }

  private async uploadData<T>(
    method: 'POST' | 'PUT',
    path: string,
    data: DataUpload,
    onProgress?: (fraction: number) => void,
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers = { ...this.authHeaders(), 'Content-Type': data.contentType };
    let res: { status: number; body: string };
    try {
      res = await this.upload({ url, method, body: data.file, headers, onProgress });
    } catch (err) {
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { cause: err });
    }
    return this.parse<T>(res.status, res.body);
  }

  private authHeaders(): Record<string, string> {
    return this.connection.token ? { Authorization: `Bearer ${this.connection.token}` } : {};
  }

  /**
   * Sends a multipart form (an artifact and its fields); `onProgress` gets the fraction sent,
   * 0 to 1. Rejects with one of the errors in `errors.ts`.
   */
  async sendForm<T>(
    method: 'POST' | 'PUT',
    path: string,
    form: FormData,
    onProgress?: (fraction: number) => void,
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let res: { status: number; body: string };
    try {
      res = await this.upload({ url, method, body: form, headers: this.authHeaders(), onProgress });
    } catch (err) {
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { cause: err });
    }
    return this.parse<T>(res.status, res.body);
  }

  /**
   * The one request helper: sends `json` (when given) with the token, and answers the parsed
   * body. Rejects with one of the errors in `errors.ts`, so the UI can say what to do.
   */
  async request<T>(
    method: string,
    path: string,
    opts: { json?: unknown; auth?: boolean; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      ...(opts.auth === false ? {} : this.authHeaders()),
      ...opts.headers,
    };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, { method, headers, body });
    } catch (err) {
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { cause: err });
    }
    return this.parse<T>(res.status, await res.text());
  }

  private parse<T>(status: number, text: string): T {
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        // A proxy's HTML error page, or not the gateway at all: say so below.
      }
    }
    if (status >= 200 && status < 300) {
      if (data === undefined && text)
        throw new GatewayRequestError(
          this.trans,
          status,
          'not_json',
          this.trans.__('%1 did not answer JSON; is it a Slipway gateway?', this.baseUrl),
        );
      return data as T;
    }
    const error = (data as ErrorBody | undefined)?.error;
    const detail = error?.message ?? this.trans.__('HTTP %1 from %2', status, this.baseUrl);
    if (status === 401) throw new GatewayAuthError(this.trans, status, detail);
    if (status === 403 && error?.code === 'forbidden')
      throw new GatewayForbiddenError(this.trans, detail, permissionIn(detail));
    if (status === 403) throw new GatewayAuthError(this.trans, status, detail);
    // The Jupyter server's proxy could not reach the gateway.
    if (status === 502 && error?.code === 'gateway_unreachable')
      throw new GatewayUnreachableError(this.trans, this.baseUrl, { detail });
    throw new GatewayRequestError(
      this.trans,
      status,
      error?.code ?? 'http_error',
      detail,
      error?.field,
    );
  }
}

/** The permission a 403 of the gateway names (`it needs the "publish" permission`). */
function permissionIn(message: string): string | undefined {
  return /needs the "(\w+)" permission/.exec(message)?.[1];
}

function windowQuery(opts: ReportWindow): URLSearchParams {
  const q = new URLSearchParams();
  if (opts.version !== undefined) q.set('version', String(opts.version));
  if (opts.from) q.set('from', opts.from.toISOString());
  if (opts.to) q.set('to', opts.to.toISOString());
  return q;
}

function queryString(q: URLSearchParams): string {
  const s = q.toString();
  return s ? `?${s}` : '';
}
