import { cors } from 'hono/cors';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { DataPlane } from './data-plane/index.js';
import type { DeploymentRepository } from './db/deployment-repository.js';
import type { InvocationRepository } from './db/invocation-repository.js';
import type { DatabaseKind } from './db/client.js';
import type { DeploymentService } from './deployments/deployment-service.js';
import type { TrafficService } from './deployments/traffic-service.js';
import type { VersionService } from './deployments/version-service.js';
import { databaseUnavailable } from './db/unavailable.js';
import { NotFoundError, SlipwayError, toErrorResponse } from './errors.js';
import { runRoutes, type RunRoutesDeps } from './routes/runs.js';
import { adminAuth } from './middleware/admin-auth.js';
import type { IdentityRepository } from './db/identity-repository.js';
import type { AccessControl } from './identity/access.js';
import { auditTrail } from './identity/audit-trail.js';
import type { IdentityService } from './identity/identity-service.js';
import type { ApprovalService } from './identity/approval-service.js';
import { identityRoutes } from './routes/identity.js';
import { artifactRoutes } from './routes/artifacts.js';
import { allowedMethods } from './middleware/allowed-methods.js';
import { callId } from './middleware/call-id.js';
import type { InvocationLog } from './monitoring/invocation-log.js';
import { deploymentRoutes } from './routes/deployments.js';
import { trafficRoutes } from './routes/traffic.js';
import { keyRoutes } from './routes/keys.js';
import type { KeyService } from './deployments/key-service.js';
import { retrainingRoutes } from './routes/retraining.js';
import type { RetrainService } from './retraining/retrain-service.js';
import { versionRoutes } from './routes/versions.js';
import { mountDocs } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { invokeRoutes } from './routes/invoke.js';
import { exportRoutes } from './routes/export.js';
import type { ExportBundleDeps } from './export/export-bundle.js';
import { deploymentOpenApiRoutes } from './routes/deployment-openapi.js';
import { oipRoutes } from './routes/oip-v2.js';
import { poolRoutes } from './routes/pools.js';
import { monitoringRoutes, type MonitoringRoutesDeps } from './routes/monitoring.js';
import { eventRoutes, registerMonitoringStreams } from './routes/events.js';
import { prometheusRoutes } from './routes/prometheus.js';
import type { EventBus } from './events/event-bus.js';
import type { GatewayMetrics } from './alerts/prometheus.js';
import { streamRoutes } from './routes/streams.js';
import { jobRoutes, type JobRoutesDeps } from './routes/jobs.js';
import type { StreamService } from './streams/stream-service.js';
import { pageRoutes } from './routes/page.js';
import { shareLinkRoutes } from './routes/share-links.js';
import type { ShareLinkService } from './share/share-link-service.js';
import { PageSession } from './share/page-session.js';
import { ShareRateLimit } from './share/rate-limit.js';

/** Everything the HTTP layer needs; built by `createGateway`, or by tests. */
export interface AppDeps {
  version: string;
  databaseKind: DatabaseKind;
  adminToken: string;
  /** Who callers are and what they may do. */
  access: AccessControl;
  /** Users, personal tokens, shares and the audit log. */
  identity: IdentityService;
  /** Where the audit log is written. */
  identityRepo: IdentityRepository;
  /** Publishes of code waiting for an admin. */
  approvals: ApprovalService;
  /** The token runners on a cluster read artifacts with. */
  runnerToken?: string;
  /** Export bundles (`/api/deployments/:name/export`); absent: no such route. */
  exportBundles?: ExportBundleDeps;
  /** Stored artifacts, for runners on a cluster (`/api/artifacts`). */
  artifacts?: Parameters<typeof artifactRoutes>[0];
  publicUrl: string;
  limits: { maxUploadBytes: number; maxBodyBytes: number; maxBatch: number };
  deployments: DeploymentService;
  /** Traffic splits between versions, and shadow versions. */
  traffic: TrafficService;
  /** Invoke key rotation. */
  keys: KeyService;
  retraining: RetrainService;
  /** The version lifecycle: promotion, retirement, canaries. */
  versions: VersionService;
  repo: DeploymentRepository;
  invocations: InvocationRepository;
  log: InvocationLog;
  dataPlane: DataPlane;
  /** Kafka stream bindings. */
  streams: StreamService;
  /** Share links of the end-user page. */
  shareLinks: ShareLinkService;
  /** Batch scoring jobs and their schedules. */
  batch: Omit<JobRoutesDeps, 'sink' | 'maxBodyBytes'>;
  runs: Omit<RunRoutesDeps, 'auth'>;
  /** Ground truth, quality, drift and alerts. */
  monitoring: Omit<MonitoringRoutesDeps, 'deployments' | 'maxUploadBytes'>;
  bus: EventBus;
  metrics: GatewayMetrics;
  /** Browser origins allowed by CORS; `*` for any. */
  corsOrigins: string[];
  /** Where unexpected errors are reported (the gateway log). */
  reportError?: (err: unknown) => void;
}

/** The gateway's HTTP application. Pure: no I/O happens until a request arrives. */
export function createApp(deps: AppDeps) {
  const { limits, reportError = (err) => console.error(err) } = deps;
  const app = new OpenAPIHono();

  app.use('*', callId());
  // Before auth: a browser's preflight carries no token.
  app.use(
    '*',
    cors({
      origin: deps.corsOrigins.includes('*') ? '*' : deps.corsOrigins,
      allowHeaders: [
        'Authorization',
        'Content-Type',
        'Prefer',
        'X-Callback-Url',
        'X-Slipway-Trigger',
      ],
      exposeHeaders: [
        'X-Request-Id',
        'X-Slipway-Version',
        'X-Slipway-Cold-Start',
        'X-Slipway-Ignored-Fields',
        'X-Slipway-Warnings',
        'Location',
      ],
      maxAge: 600,
    }),
  );

  // Every management action is in the audit log, refusals included: before the access checks.
  app.use('/api/*', auditTrail(deps.identityRepo, reportError));
  // Who the caller is (admin token, the Jupyter server's proxy with its user, a personal
  // token) and whether it may do this (identity/access.ts `needOf`, route by route).
  const admin = deps.access.middleware();
  // Pages a browser opens and an EventSource cannot send a header: `?token=` too.
  const adminOrQuery = deps.access.middleware({ allowQueryToken: true });
  app.route('/api/health', healthRoutes({ database: deps.databaseKind, version: deps.version }));
  app.use('/api/openapi.json', adminOrQuery);
  app.use('/api/docs', adminOrQuery);
  for (const path of [
    '/api/deployments/*',
    '/api/deployments',
    '/api/pools',
    '/api/streams/*',
    '/api/jobs',
    '/api/jobs/*',
    '/api/schedules/*',
    '/api/me',
    '/api/users',
    '/api/users/*',
    '/api/tokens',
    '/api/tokens/*',
    '/api/audit',
    '/api/approvals',
    '/api/approvals/*',
    '/metrics',
  ])
    app.use(path, admin);
  // Runners on a cluster read artifacts with their own token; people, with the admin token.
  app.use(
    '/api/artifacts/*',
    adminAuth({ token: deps.adminToken, orRunnerToken: deps.runnerToken }),
  );
  app.use('/api/events', adminOrQuery);
  app.route('/api/events', eventRoutes({ bus: deps.bus }));
  app.route('/metrics', prometheusRoutes({ metrics: deps.metrics }));
  registerMonitoringStreams(app.openAPIRegistry);

  // The runs routes check the admin token themselves, also if mounted elsewhere.
  app.route('/api/deployments/:name/runs', runRoutes({ ...deps.runs, auth: admin }));
  app.route(
    '/api/deployments',
    deploymentRoutes({
      deployments: deps.deployments,
      invocations: deps.invocations,
      log: deps.log,
      maxUploadBytes: limits.maxUploadBytes,
      runs: deps.runs,
      access: {
        publish: (c, name, exists) => deps.identity.publish(c, name, exists),
        published: (c, name) => deps.identity.published(c, name),
        hold: (c, form) => deps.approvals.hold(c, form),
      },
    }),
  );
  app.route('/api/deployments', trafficRoutes({ traffic: deps.traffic }));
  app.route('/api/deployments', keyRoutes({ keys: deps.keys }));
  app.route('/api/deployments', shareLinkRoutes({ shareLinks: deps.shareLinks }));
  app.route('/api/deployments', versionRoutes({ versions: deps.versions }));
  if (deps.exportBundles) app.route('/api/deployments', exportRoutes(deps.exportBundles));
  app.route(
    '/api/deployments',
    retrainingRoutes({
      retraining: deps.retraining,
      sink: deps.deployments,
      maxUploadBytes: limits.maxUploadBytes,
      runsDir: deps.runs.runsDir,
    }),
  );
  app.route(
    '/api/deployments',
    monitoringRoutes({
      ...deps.monitoring,
      deployments: deps.deployments,
      maxUploadBytes: limits.maxUploadBytes,
    }),
  );
  app.route('/api', streamRoutes({ streams: deps.streams }));
  app.route(
    '/api',
    identityRoutes({
      identity: deps.identity,
      approvals: deps.approvals,
      requireDeployment: (name) => deps.deployments.require(name),
    }),
  );
  app.route(
    '/api',
    jobRoutes({ ...deps.batch, sink: deps.deployments, maxBodyBytes: limits.maxBodyBytes }),
  );
  app.route('/api/pools', poolRoutes({ usage: () => deps.deployments.poolUsage() }));
  if (deps.artifacts) app.route('/api/artifacts', artifactRoutes(deps.artifacts));
  app.route(
    '/fn',
    deploymentOpenApiRoutes({
      dataPlane: deps.dataPlane,
      publicUrl: deps.publicUrl,
      maxBatch: limits.maxBatch,
    }),
  );
  app.route(
    '/fn',
    pageRoutes({
      dataPlane: deps.dataPlane,
      shareLinks: deps.shareLinks,
      session: new PageSession(deps.adminToken, deps.publicUrl.startsWith('https:')),
      rate: new ShareRateLimit(),
      adminToken: deps.adminToken,
      publicUrl: deps.publicUrl,
      maxBodyBytes: limits.maxBodyBytes,
      maxUploadBytes: limits.maxUploadBytes,
      maxBatch: limits.maxBatch,
      reportError,
      isNotebook: (format) => deps.dataPlane.kindOf(format) === 'notebook',
    }),
  );
  app.route(
    '/fn',
    invokeRoutes({
      dataPlane: deps.dataPlane,
      feedback: deps.monitoring.feedback,
      runs: deps.runs,
      maxBodyBytes: limits.maxBodyBytes,
      maxBatch: limits.maxBatch,
    }),
  );
  app.route(
    '/v2/models',
    oipRoutes({
      dataPlane: deps.dataPlane,
      maxBodyBytes: limits.maxBodyBytes,
      maxBatch: limits.maxBatch,
    }),
  );
  mountDocs(app, { version: deps.version, publicUrl: deps.publicUrl });

  // A path that routes answer with other methods is a 405 naming them, not a 404.
  const methodsOf = allowedMethods(app.routes);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      c.header('Allow', allowed.join(', '));
      const message = `${c.req.method} is not a method of ${c.req.path}; it takes ${allowed.join(', ')}`;
      return c.json({ error: { code: 'method_not_allowed', message } }, 405);
    }
    return c.json(new NotFoundError(`route ${c.req.method} ${c.req.path}`).toBody(), 404);
  });
  app.onError((thrown, c) => {
    const err = databaseUnavailable(thrown);
    if (err instanceof HTTPException && !(err instanceof SlipwayError)) {
      const status = err.status;
      return c.json(
        {
          error: {
            code: status === 413 ? 'too_large' : 'http_error',
            message: err.message || 'request failed',
          },
        },
        status,
      );
    }
    if (!(err instanceof SlipwayError) || err.status >= 500) reportError(err);
    const { status, body } = toErrorResponse(err);
    if (err instanceof SlipwayError && err.retryAfterSeconds !== undefined)
      c.header('Retry-After', String(err.retryAfterSeconds));
    return c.json(body, status);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
