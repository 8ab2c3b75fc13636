import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/** One version's part of a deployment's traffic. */
export interface TrafficShare {
  version: number;
  /** Whole percent, 0 to 100. */
  percent: number;
}

const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Content-addressed artifact files under `<dataDir>/artifacts/<sha256>`. */
export const artifacts = pgTable('artifacts', {
  sha256: text('sha256').primaryKey(),
  size: bigint('size', { mode: 'number' }).notNull(),
  createdAt: createdAt(),
});

/** A named function; its live version answers `/fn/:name`. */
export const deployments = pgTable('deployments', {
  name: text('name').primaryKey(),
  pool: text('pool').notNull(),
  public: boolean('public').notNull().default(false),
  liveVersion: integer('live_version').notNull(),
  /**
   * How calls that name no version are shared between versions (version → whole percent,
   * summing to 100); null: the live version answers them all.
   */
  traffic: jsonb('traffic').$type<TrafficShare[] | null>(),
  /** Request header (lower case) whose value keeps a caller on one version of the split. */
  stickyHeader: text('sticky_header'),
  /** A version that receives copies of the calls, never answering them; null: none. */
  shadowVersion: integer('shadow_version'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Every published version of a deployment. Its file, format, config and signature never
 * change; its stage (a candidate not yet promoted, or retired) and its gate result do.
 */
export const versions = pgTable(
  'versions',
  {
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    format: text('format').notNull(),
    artifactSha256: text('artifact_sha256')
      .notNull()
      .references(() => artifacts.sha256),
    filename: text('filename'),
    config: jsonb('config').notNull().$type<Record<string, unknown>>(),
    signature: jsonb('signature').notNull(),
    /** null: published (live once, rollback-able); 'candidate': made by retraining, never live yet; 'retired'. */
    stage: text('stage').$type<'candidate' | 'retired' | null>(),
    /** The retraining run that made it; null: uploaded. */
    retrainRunId: uuid('retrain_run_id'),
    /** The gate's comparison with live (`GateResult`); null: not gated. */
    gate: jsonb('gate'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.deploymentName, t.version] })],
);

/** Invoke keys, stored as SHA-256 hashes; the key itself is shown once. */
export const tokens = pgTable(
  'tokens',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    hash: text('hash').notNull().unique(),
    createdAt: createdAt(),
    /** After this the key is refused (a rotation's grace period); null: it does not expire. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    /** When a call last used it, to within a minute (`KeyUsage` writes at most once a minute). */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('tokens_deployment_idx').on(t.deploymentName)],
);

/**
 * One row per call. No foreign key on purpose: rows arrive in batches after the call, and a
 * batch must not fail because its deployment was deleted meanwhile.
 */
export const invocations = pgTable(
  'invocations',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name').notNull(),
    version: integer('version').notNull(),
    time: timestamp('time', { withTimezone: true, mode: 'date' }).notNull(),
    latencyMs: doublePrecision('latency_ms').notNull(),
    status: integer('status').notNull(),
    protocol: text('protocol').notNull(),
    // json, not jsonb: the log keeps a call's values as text, as they came (storing them as
    // jsonb costs the embedded database twice as much per call), and reads them only whole.
    input: json('input'),
    output: json('output'),
    error: jsonb('error').$type<{ code: string; message: string } | null>(),
    /** Fields the call's records carried that the model does not take (dropped); null if none. */
    ignoredFields: jsonb('ignored_fields').$type<string[] | null>(),
    /** Why the input and output are not kept as they came (too large, not storable); null if they are. */
    truncated: text('truncated'),
    /**
     * The monitor's copy of the predictions when `output` is not kept (inputs not logged, too
     * large, a batch job's chunk): feedback reads its predictions from here. As columns
     * (`StoredAnswers`, the scores as rows of numbers or packed: `PackedScores`; a batch chunk's
     * indexes as runs and its predicted numbers packed); rows written before them hold
     * `[{id, predicted, scores}]`.
     */
    answers: json('answers').$type<
      | {
          id: string;
          predicted: string | number | boolean | null;
          scores: Record<string, number> | null;
        }[]
      | {
          index: number[] | { runs: number[] } | null;
          predicted:
            (string | number | boolean | null)[] | { type: 'float32' | 'float64'; base64: string };
          classes: string[] | null;
          scores: (number[] | null)[] | { type: 'float32' | 'float64'; base64: string } | null;
        }
      | null
    >(),
  },
  (t) => [index('invocations_deployment_time_idx').on(t.deploymentName, t.time)],
);

/** One notebook run: its parameters, status, outputs or error; the executed notebook is a file. */
export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name').notNull(),
    version: integer('version').notNull(),
    status: text('status').notNull().$type<'running' | 'succeeded' | 'failed'>(),
    parameters: jsonb('parameters').notNull(),
    /** What papermill would have warned of when the run was prepared (papermill mode). */
    warnings: jsonb('warnings').$type<string[]>(),
    outputs: jsonb('outputs'),
    error: jsonb('error').$type<{ code: string; message: string } | null>(),
    cold: boolean('cold'),
    durationMs: doublePrecision('duration_ms'),
    callbackUrl: text('callback_url'),
    callbackStatus: text('callback_status'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('runs_deployment_idx').on(t.deploymentName, t.createdAt)],
);

/**
 * One row per prediction a model (or a notebook with `config.monitoring.prediction`) answered:
 * what it predicted, the record it saw, and — once feedback arrives — the actual value. The id
 * is the prediction id the API returned. Written with its call's invocation row.
 */
export const predictions = pgTable(
  'predictions',
  {
    id: text('id').primaryKey(),
    deploymentName: text('deployment_name').notNull(),
    version: integer('version').notNull(),
    time: timestamp('time', { withTimezone: true, mode: 'date' }).notNull(),
    /** The predicted class or value; null when the answer had none the monitor could read. */
    predicted: jsonb('predicted').$type<string | number | boolean | null>(),
    /** Probabilities by class (the class's string form); null when the model gives none. */
    scores: jsonb('scores').$type<Record<string, number> | null>(),
    /** The ground truth, from feedback; null until it arrives. */
    actual: jsonb('actual').$type<string | number | boolean | null>(),
    /** When the first label arrived, and when the one kept (the last) did. */
    firstActualAt: timestamp('first_actual_at', { withTimezone: true, mode: 'date' }),
    actualAt: timestamp('actual_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('predictions_deployment_time_idx').on(t.deploymentName, t.time)],
);

/**
 * Mergeable summaries of the values a deployment's version saw in one hour, per feature (and
 * `prediction` for the model's answer): exact value counts while they are few, else a sketch.
 * Drift over any window merges these; it never re-reads the calls.
 */
export const featureRollups = pgTable(
  'feature_rollups',
  {
    deploymentName: text('deployment_name').notNull(),
    version: integer('version').notNull(),
    hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull(),
    feature: text('feature').notNull(),
    summary: jsonb('summary').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deploymentName, t.hour, t.version, t.feature] })],
);

/** A deployment's reference sample, as per-feature summaries (the raw file is not kept). */
export const referenceProfiles = pgTable('reference_profiles', {
  deploymentName: text('deployment_name')
    .primaryKey()
    .references(() => deployments.name, { onDelete: 'cascade' }),
  rows: integer('rows').notNull(),
  source: text('source').notNull().$type<'upload' | 'first_calls'>(),
  /** Feature name → summary (the same kind as a rollup's). */
  features: jsonb('features').notNull(),
  createdAt: createdAt(),
});

/** Per-deployment monitoring settings (drift methods and thresholds, the first-calls reference). */
export const monitoringSettings = pgTable('monitoring_settings', {
  deploymentName: text('deployment_name')
    .primaryKey()
    .references(() => deployments.name, { onDelete: 'cascade' }),
  settings: jsonb('settings').notNull(),
  updatedAt: createdAt(),
});

/** Alert rules per deployment, with the state the evaluator last found. */
export const alertRules = pgTable(
  'alert_rules',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    condition: jsonb('condition').notNull(),
    windowMinutes: integer('window_minutes').notNull(),
    version: integer('version'),
    webhookUrl: text('webhook_url'),
    webhookSecret: text('webhook_secret'),
    /** What firing does besides the alert and the webhook: 'retrain' starts a retraining run. */
    action: text('action').$type<'retrain' | null>(),
    enabled: boolean('enabled').notNull().default(true),
    state: text('state').notNull().default('insufficient_data'),
    lastValue: doublePrecision('last_value'),
    lastEvaluatedAt: timestamp('last_evaluated_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [index('alert_rules_deployment_idx').on(t.deploymentName)],
);

/** Each firing of a rule; resolved once its condition stops holding. */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey(),
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    deploymentName: text('deployment_name').notNull(),
    ruleName: text('rule_name').notNull(),
    value: doublePrecision('value'),
    message: text('message').notNull(),
    firedAt: timestamp('fired_at', { withTimezone: true, mode: 'date' }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('alerts_deployment_idx').on(t.deploymentName, t.firedAt)],
);

/**
 * Labels of a ground-truth file being read: staged here batch by batch, then applied in one
 * statement when the whole file was read, or dropped when it was malformed (nothing of a bad
 * file is stored).
 */
export const feedbackStaging = pgTable(
  'feedback_staging',
  {
    uploadId: uuid('upload_id').notNull(),
    id: text('id').notNull(),
    actual: jsonb('actual').notNull(),
  },
  (t) => [index('feedback_staging_upload_idx').on(t.uploadId)],
);

/**
 * Quality of one version's labelled predictions in one hour, as a mergeable summary: rebuilt
 * from the hour's rows when labels in it change (`changes` counts the changes, `summarized`
 * the change the summary includes), merged over any window at request time.
 */
export const qualityRollups = pgTable(
  'quality_rollups',
  {
    deploymentName: text('deployment_name').notNull(),
    version: integer('version').notNull(),
    hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull(),
    summary: jsonb('summary'),
    changes: integer('changes').notNull().default(1),
    summarized: integer('summarized').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.deploymentName, t.hour, t.version] })],
);

/** A deployment's training notebook, and optionally the original training file. */
export const trainers = pgTable('trainers', {
  deploymentName: text('deployment_name')
    .primaryKey()
    .references(() => deployments.name, { onDelete: 'cascade' }),
  artifactSha256: text('artifact_sha256')
    .notNull()
    .references(() => artifacts.sha256),
  filename: text('filename'),
  /** The names in its parameters cell. */
  parameters: jsonb('parameters').notNull().$type<string[]>(),
  trainingFileSha256: text('training_file_sha256').references(() => artifacts.sha256),
  trainingFilename: text('training_filename'),
  createdAt: createdAt(),
});

/** A deployment's retraining policy (`RetrainingPolicy`), and when its schedule last fired. */
export const retrainingPolicies = pgTable('retraining_policies', {
  deploymentName: text('deployment_name')
    .primaryKey()
    .references(() => deployments.name, { onDelete: 'cascade' }),
  // json: a policy's parameters are the user's JSON, which jsonb may refuse (\u0000).
  policy: json('policy').notNull(),
  lastScheduledAt: timestamp('last_scheduled_at', { withTimezone: true, mode: 'date' }),
});

/** One retraining run; at most one running per deployment (a partial unique index says so). */
export const retrainRuns = pgTable(
  'retrain_runs',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    trigger: text('trigger').notNull(),
    triggerDetail: text('trigger_detail'),
    status: text('status').notNull(),
    windowFrom: timestamp('window_from', { withTimezone: true, mode: 'date' }).notNull(),
    windowTo: timestamp('window_to', { withTimezone: true, mode: 'date' }).notNull(),
    trainingRows: integer('training_rows'),
    holdoutRows: integer('holdout_rows'),
    // json: the user's parameters, as jsonb may refuse them (\u0000).
    parameters: json('parameters').notNull(),
    liveVersion: integer('live_version').notNull(),
    candidateVersion: integer('candidate_version'),
    gate: jsonb('gate'),
    decision: text('decision'),
    error: jsonb('error'),
    log: jsonb('log').notNull().$type<{ at: string; message: string }[]>(),
    /** Whether the executed notebook was written (`<runsDir>/<id>.ipynb`). */
    notebook: boolean('notebook').notNull().default(false),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: doublePrecision('duration_ms'),
  },
  (t) => [
    index('retrain_runs_deployment_idx').on(t.deploymentName, t.createdAt),
    uniqueIndex('retrain_runs_one_running')
      .on(t.deploymentName)
      .where(sql`${t.status} = 'running'`),
  ],
);

/** What happened to a deployment's versions, with the figures decided on (`VersionEvent`). */
export const versionEvents = pgTable(
  'version_events',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    kind: text('kind').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    detail: jsonb('detail').notNull(),
  },
  (t) => [index('version_events_deployment_idx').on(t.deploymentName, t.at)],
);

/** A deployment's canary (`CanaryView` without its derived parts); one at a time, the last kept. */
export const canaries = pgTable('canaries', {
  deploymentName: text('deployment_name')
    .primaryKey()
    .references(() => deployments.name, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  liveVersion: integer('live_version').notNull(),
  percent: integer('percent').notNull(),
  policy: jsonb('policy').notNull(),
  metric: text('metric').notNull(),
  status: text('status').notNull(),
  analysis: jsonb('analysis'),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
  endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
});

/**
 * A batch scoring job: its input file, its options, and how far it has got. The progress
 * columns are its checkpoint: a chunk's output is written, then its row here moves on, so a
 * job taken over after a crash truncates its files to `output_bytes` / `errors_bytes` and
 * goes on from row `rows_done`. `owner` holds it until `lease_until`.
 */
export const batchJobs = pgTable(
  'batch_jobs',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    /** The version that scores every row: the live one when the job was created. */
    version: integer('version').notNull(),
    state: text('state').notNull(),
    inputKind: text('input_kind').notNull(),
    inputName: text('input_name').notNull(),
    /** The file read: in the job's folder (upload, download) or under the input root. */
    inputPath: text('input_path').notNull(),
    inputFormat: text('input_format').notNull(),
    options: jsonb('options').notNull(),
    /** The output's header, fixed by the first chunk scored. */
    outputColumns: jsonb('output_columns').$type<string[] | null>(),
    rowsDone: bigint('rows_done', { mode: 'number' }).notNull().default(0),
    rowsTotal: bigint('rows_total', { mode: 'number' }),
    errors: bigint('errors', { mode: 'number' }).notNull().default(0),
    bytesDone: bigint('bytes_done', { mode: 'number' }).notNull().default(0),
    bytesTotal: bigint('bytes_total', { mode: 'number' }),
    outputBytes: bigint('output_bytes', { mode: 'number' }).notNull().default(0),
    errorsBytes: bigint('errors_bytes', { mode: 'number' }).notNull().default(0),
    owner: text('owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    error: jsonb('error').$type<{ code: string; message: string } | null>(),
    scheduleId: uuid('schedule_id'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    /** When the current holder took it, and the rows done then: its pace is measured from there. */
    resumedAt: timestamp('resumed_at', { withTimezone: true, mode: 'date' }),
    resumedRows: bigint('resumed_rows', { mode: 'number' }).notNull().default(0),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('batch_jobs_deployment_idx').on(t.deploymentName, t.createdAt),
    index('batch_jobs_state_idx').on(t.state),
  ],
);

/** A job started on a cron schedule, on the newest file matching a pattern under the input root. */
export const batchSchedules = pgTable(
  'batch_schedules',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    cron: text('cron').notNull(),
    timeZone: text('time_zone').notNull(),
    inputPattern: text('input_pattern').notNull(),
    outputDir: text('output_dir').notNull(),
    options: jsonb('options').notNull(),
    createdAt: createdAt(),
    /** The firing last claimed (a gateway that marks it starts the job); null: none yet. */
    lastFiredAt: timestamp('last_fired_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('batch_schedules_deployment_idx').on(t.deploymentName)],
);

/**
 * A deployment's Kafka stream binding: every gateway runs a consumer of `inputTopic` in
 * `groupId` (the group shares the partitions out) and scores each message. The counters are
 * the sums of what every gateway has flushed; `paused` is the operator's pause.
 */
export const streamBindings = pgTable(
  'stream_bindings',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    brokers: jsonb('brokers').$type<string[]>().notNull(),
    inputTopic: text('input_topic').notNull(),
    outputTopic: text('output_topic').notNull(),
    deadLetterTopic: text('dead_letter_topic'),
    groupId: text('group_id').notNull(),
    format: text('format').notNull(),
    paused: boolean('paused').notNull().default(false),
    consumed: bigint('consumed', { mode: 'number' }).notNull().default(0),
    produced: bigint('produced', { mode: 'number' }).notNull().default(0),
    deadLettered: bigint('dead_lettered', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('stream_bindings_deployment').on(t.deploymentName),
    // Two bindings in one group on one topic would split its messages between two deployments.
    uniqueIndex('stream_bindings_group_topic').on(t.groupId, t.inputTopic),
  ],
);

/**
 * Share links of the end-user page: a form token scoped to one deployment and to invoking it,
 * stored only as its hash. Revoked or past `expiresAt`, it is refused.
 */
export const shareLinks = pgTable(
  'share_links',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    hash: text('hash').notNull().unique(),
    label: text('label'),
    /** Form posts a minute this link may make (per gateway). */
    ratePerMinute: integer('rate_per_minute').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('share_links_deployment_idx').on(t.deploymentName)],
);

/**
 * People the gateway knows, by the name the Jupyter server's proxy asserts (or given through
 * the API), and what they may do: `admin` everything, `publisher` publish and manage their own
 * deployments and read all, `viewer` read and monitor.
 */
export const users = pgTable('users', {
  name: text('name').primaryKey(),
  role: text('role').$type<'admin' | 'publisher' | 'viewer'>().notNull(),
  createdAt: createdAt(),
  /** Who made the user: `proxy` (first seen through the Jupyter server) or an admin's name. */
  createdBy: text('created_by').notNull(),
});

/** Personal API tokens: stored as their hash only, with their scopes and expiry. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    userName: text('user_name')
      .notNull()
      .references(() => users.name, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    hash: text('hash').notNull().unique(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userName)],
);

/** Who owns a deployment (its first publisher), and whom its owner shared it with. */
export const deploymentOwners = pgTable('deployment_owners', {
  deploymentName: text('deployment_name')
    .primaryKey()
    .references(() => deployments.name, { onDelete: 'cascade' }),
  owner: text('owner').notNull(),
});

export const deploymentShares = pgTable(
  'deployment_shares',
  {
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    userName: text('user_name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.deploymentName, t.userName] })],
);

/** Every management action: who, what, when, from where, and how it ended. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    time: timestamp('time', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The user, or `admin token` / `unknown` for a caller with no user. */
    actor: text('actor').notNull(),
    /** How the caller authenticated: admin-token, proxy, token:<id>, none. */
    via: text('via').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    /** The deployment acted on, when the path names one. */
    deploymentName: text('deployment_name'),
    status: integer('status').notNull(),
    /** The caller's address (the proxy's when it came through one) and the request id. */
    remote: text('remote'),
    requestId: text('request_id'),
  },
  (t) => [
    index('audit_log_time_idx').on(t.time),
    index('audit_log_actor_idx').on(t.actor, t.time),
    index('audit_log_deployment_idx').on(t.deploymentName, t.time),
  ],
);

/**
 * Publishes waiting for an admin (SLIPWAY_REQUIRE_APPROVAL): an artifact that runs code, from
 * a user who is not an admin. Its file waits unread in the artifact store's folder.
 */
export const approvals = pgTable(
  'approvals',
  {
    id: uuid('id').primaryKey(),
    deploymentName: text('deployment_name').notNull(),
    format: text('format').notNull(),
    /** The publish form's other fields (pool, config, public, allowSignatureChange). */
    fields: jsonb('fields').$type<Record<string, string>>().notNull(),
    sha256: text('sha256').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    filename: text('filename'),
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
    state: text('state').$type<'pending' | 'approved' | 'rejected' | 'failed'>().notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    reason: text('reason'),
    /** The version the approved publish made. */
    version: integer('version'),
  },
  (t) => [index('approvals_state_idx').on(t.state, t.requestedAt)],
);
