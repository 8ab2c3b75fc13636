import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

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
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Every published version of a deployment, immutable once written. */
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
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error').$type<{ code: string; message: string } | null>(),
    /** Fields the call's records carried that the model does not take (dropped); null if none. */
    ignoredFields: jsonb('ignored_fields').$type<string[] | null>(),
    /** Why the input and output are not kept as they came (too large, not storable); null if they are. */
    truncated: text('truncated'),
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
