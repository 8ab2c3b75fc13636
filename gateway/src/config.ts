import { parseOidcRoles, type OidcConfig } from './identity/oidc.js';
import { ROLES, type Role } from './identity/roles.js';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { POOL_NAMES, type PoolName } from './protocol/deployments.js';
import { detectMachine, readPoolsFile } from './pools/machine.js';
import {
  defaultPool,
  parsePoolsFile,
  type MachineResources,
  type PoolSpec,
} from './pools/pool-spec.js';
import type { OnnxIsolation } from './runtimes/onnx/onnx-config.js';
import { pickWorkerEnv, type InheritedWorkerEnv } from './workers/worker-env.js';

const MiB = 1024 * 1024;

/** A comma-separated list of origins (`scheme://host[:port]`), or `*` for any. */
const originList = z
  .string()
  .default('*')
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  );

const envSchema = z.object({
  SLIPWAY_HOST: z.string().min(1).default('127.0.0.1'),
  SLIPWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  SLIPWAY_DATA_DIR: z.string().min(1).default('.slipway'),
  SLIPWAY_ARTIFACTS_DIR: z.string().min(1).optional(),
  SLIPWAY_PUBLIC_URL: z.url().optional(),
  SLIPWAY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SLIPWAY_PROXY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SLIPWAY_NEW_USER_ROLE: z.enum(ROLES).default('viewer'),
  SLIPWAY_OIDC_ISSUER: z.url().optional(),
  SLIPWAY_OIDC_AUDIENCE: z.string().min(1).optional(),
  SLIPWAY_OIDC_USER_CLAIM: z.string().min(1).default('preferred_username'),
  SLIPWAY_OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
  SLIPWAY_OIDC_ROLES: z.string().default(''),
  SLIPWAY_REQUIRE_APPROVAL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  SLIPWAY_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(64 * 1024 * MiB)
    .default(512 * MiB),
  // A body is parsed whole (on a worker thread when large): 512 MiB of JSON is past any call.
  SLIPWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(512 * MiB)
    .default(16 * MiB),
  SLIPWAY_MAX_BATCH: z.coerce.number().int().positive().max(1_000_000).default(10_000),
  SLIPWAY_POOLS: z
    .string()
    .default('cpu')
    .transform((s, ctx) => {
      const names = s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      for (const n of names) {
        if (!POOL_NAMES.includes(n as PoolName)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown pool "${n}"; expected ${POOL_NAMES.join(', ')}`,
          });
          return z.NEVER;
        }
      }
      return names as PoolName[];
    }),
  SLIPWAY_POOLS_FILE: z.string().min(1).optional(),
  SLIPWAY_PYTHON: z.string().min(1).optional(),
  SLIPWAY_MODEL_MEMORY_MB: z.coerce.number().int().min(128).optional(),
  SLIPWAY_REPLICA_MEMORY_MB: z.coerce.number().int().min(64).optional(),
  SLIPWAY_JAVA: z.string().min(1).optional(),
  SLIPWAY_JVM_HEAP_MB: z.coerce.number().int().min(64).max(1_048_576).default(1024),
  SLIPWAY_KERNEL_MEMORY_MB: z.coerce.number().int().min(128).max(1_048_576).optional(),
  SLIPWAY_KERNEL_START: z.enum(['fork', 'exec']).default('fork'),
  SLIPWAY_WORKER_USER: z.string().min(1).optional(),
  SLIPWAY_WORKER_ENV: z.string().default(''),
  SLIPWAY_ONNX_ISOLATION: z.enum(['deployment', 'pool']).default('deployment'),
  SLIPWAY_CORS_ORIGINS: originList,
  SLIPWAY_CALLBACK_ORIGINS: originList,
  SLIPWAY_CATALOG_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  SLIPWAY_DRAIN_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  SLIPWAY_LOG_FLUSH_MS: z.coerce.number().int().positive().default(200),
  // A batch is one JSON value in one statement; past a few thousand rows it only costs memory.
  SLIPWAY_LOG_BATCH: z.coerce.number().int().positive().max(5000).default(2000),
  SLIPWAY_LOG_SPOOL_MB: z.coerce.number().int().min(1).max(1_048_576).default(1024),
  SLIPWAY_LOG_SAMPLE_ABOVE_MB: z.coerce.number().int().min(0).max(1_048_576).optional(),
  SLIPWAY_LOG_MAX_VALUE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(64 * MiB)
    .default(MiB),
  SLIPWAY_LOG_SYNC: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SLIPWAY_LOG_INPUTS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SLIPWAY_ALERT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SLIPWAY_CANARY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SLIPWAY_SCHEDULE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  SLIPWAY_LOG_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  SLIPWAY_SHADOW_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(10_000).default(8),
  SLIPWAY_SHADOW_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  SLIPWAY_JOBS_DIR: z.string().min(1).optional(),
  SLIPWAY_BATCH_INPUT_ROOT: z.string().min(1).optional(),
  SLIPWAY_BATCH_OUTPUT_ROOT: z.string().min(1).optional(),
  SLIPWAY_BATCH_MAX_INPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(64 * 2 ** 30),
  SLIPWAY_JOBS_AT_ONCE: z.coerce.number().int().min(0).max(64).default(2),
  SLIPWAY_JOB_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  SLIPWAY_BATCH_TENSORS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

/** The gateway's configuration, parsed and validated once. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /**
   * The artifact store (`<dataDir>/artifacts` by default): several gateways on one Postgres
   * share one folder (a ReadWriteMany volume), so every one serves every artifact.
   */
  artifactsDir?: string;
  publicUrl: string;
  /** Undefined: generated on first start into `<dataDir>/admin-token`. */
  adminToken?: string;
  /**
   * The credential of the Jupyter server's proxy (jupyterlab_slipway): with it, and only with
   * it, the gateway takes the user the proxy names in X-Slipway-User. Undefined: no proxy.
   */
  proxyToken?: string;
  /** The role of a user the proxy names for the first time; default viewer. */
  newUserRole?: Role;
  /** A publish of code (pickle, notebook) by a user who is not an admin waits for an admin. */
  requireApproval?: boolean;
  /** OpenID Connect bearer tokens the gateway takes (SLIPWAY_OIDC_*); undefined: none. */
  oidc?: OidcConfig;
  /** Undefined: the embedded PGlite database in `<dataDir>/db`. */
  databaseUrl?: string;
  maxUploadBytes: number;
  maxBodyBytes: number;
  maxBatch: number;
  /**
   * The pools deployments are placed on: `SLIPWAY_POOLS_FILE` (YAML or JSON), else the pools
   * `SLIPWAY_POOLS` names with the defaults for this machine.
   */
  pools: PoolSpec[];
  /** `SLIPWAY_PYTHON`: the worker's interpreter; unset, a venv is made on first need. */
  python?: string;
  /** `SLIPWAY_MODEL_MEMORY_MB`: address-space limit of each pickle model's worker (default 2048). */
  modelMemoryMb?: number;
  /**
   * `SLIPWAY_REPLICA_MEMORY_MB`: the estimated memory every loaded replica may take together;
   * past it, idle ones stop least recently used first. Default: half this machine's memory.
   */
  replicaMemoryMb?: number;
  /** `SLIPWAY_JAVA`: the `java` that runs the MOJO worker (11+); unset, `java` on the PATH. */
  java?: string;
  /** `SLIPWAY_JVM_HEAP_MB`: the MOJO worker's heap limit (`-Xmx`), shared by every MOJO. */
  jvmHeapMb: number;
  /**
   * `SLIPWAY_KERNEL_MEMORY_MB`: address-space limit of each notebook kernel (default 2048); a
   * deployment's `config.memoryMb` overrides it.
   */
  kernelMemoryMb?: number;
  /**
   * `SLIPWAY_KERNEL_START`: how a notebook's Python kernels start. `fork` (default): forked from a
   * process that has imported ipykernel (a zygote), ~10× less CPU per kernel; `exec`: each a new
   * interpreter, as jupyter_client starts them.
   */
  kernelStart?: 'fork' | 'exec';
  /**
   * `SLIPWAY_WORKER_USER`: the user workers and kernels run as when the gateway runs as root
   * (default `slipway-worker` if it exists, else `nobody`; `root` keeps them as root).
   */
  workerUser?: string;
  /**
   * What workers inherit from this environment: an allow-list (PATH, the locale, …) plus the
   * names in `SLIPWAY_WORKER_ENV`, never the gateway's secrets; pip also gets its own settings.
   */
  workerEnv: InheritedWorkerEnv;
  /**
   * `SLIPWAY_ONNX_ISOLATION`: where ONNX models run when their deployment does not say
   * (`config.isolation`): `deployment`, a worker process each; `pool`, one per pool.
   */
  onnxIsolation: OnnxIsolation;
  /**
   * `SLIPWAY_CORS_ORIGINS`: browser origins allowed to call the API (JupyterLab's, for the
   * extension). Default `*`: every call carries a bearer token, never a cookie, so another
   * origin gains nothing it could not do with curl.
   */
  corsOrigins: string[];
  /**
   * `SLIPWAY_CALLBACK_ORIGINS`: where async notebook runs may POST their result (the
   * X-Callback-Url header). Default `*`; a shared deployment should list its receivers, since
   * the gateway would otherwise call any address a caller names from inside its network.
   */
  callbackOrigins: string[];
  /**
   * `SLIPWAY_DRAIN_SECONDS`: on SIGTERM or SIGINT, how long calls under way may finish before
   * the gateway stops anyway (it always stops by then).
   */
  drainSeconds: number;
  /**
   * `SLIPWAY_CATALOG_TTL_MS`: how long the invoke path trusts the deployments and keys it read.
   * Gateways sharing one Postgres tell each other of changes at once (LISTEN/NOTIFY); this
   * bounds how long a change whose notice could not be sent goes unseen.
   */
  catalogTtlMs: number;
  /**
   * The invocation log: rows are journalled (fsynced unless `sync` is false) before a call is
   * answered, then written to the database in batches of `batchSize` every `flushMs`. The
   * journal holds at most `spoolMb` while the database is away (calls get 503 beyond); past
   * `sampleAboveMb` of it (`SLIPWAY_LOG_SAMPLE_ABOVE_MB`, a quarter of the spool by default)
   * only one call in ten keeps its input and output, the others are counted
   * (`slipway_log_values_sampled_out_total`). An input or output over `maxValueBytes` of JSON is
   * left out of its row, with a note.
   */
  /** `SLIPWAY_ALERT_INTERVAL_SECONDS`: how often every alert rule is evaluated (also on feedback). */
  alertIntervalMs: number;
  /** `SLIPWAY_CANARY_INTERVAL_SECONDS`: how often running canaries are analysed and acted on. */
  canaryIntervalMs: number;
  /** `SLIPWAY_SCHEDULE_INTERVAL_SECONDS`: how often retraining schedules are checked for a due run. */
  scheduleIntervalMs: number;
  /**
   * `SLIPWAY_LOG_RETENTION_DAYS`: calls, predictions and rollups older than this are deleted
   * (hourly); 0 keeps them for ever.
   */
  retentionDays: number;
  /**
   * Shadow versions: `SLIPWAY_SHADOW_MAX_IN_FLIGHT` copies under way per deployment at most
   * (more are dropped and counted; 0 sends none), each logged as a 504 after
   * `SLIPWAY_SHADOW_TIMEOUT_MS`.
   */
  shadow: { maxInFlight: number; timeoutMs: number };
  /**
   * Batch jobs: their files in `jobsDir` (`SLIPWAY_JOBS_DIR`, `<dataDir>/jobs` by default;
   * gateways on one Postgres share it, so any one can take over a job); inputs named by path
   * under `inputRoot` (`SLIPWAY_BATCH_INPUT_ROOT`; unset, none), schedules' outputs under
   * `outputRoot` (`SLIPWAY_BATCH_OUTPUT_ROOT`, the input root by default); an input of at most
   * `maxInputBytes`; `atOnce` jobs run at once by this gateway (0: it runs none); a job's
   * holder renews its lease every checkpoint, and another gateway takes it over `leaseMs`
   * after it stopped. A model job's chunks go as tensors where the runtime takes them
   * (`tensors`, `SLIPWAY_BATCH_TENSORS`; false: always by records).
   */
  batch: {
    jobsDir: string;
    inputRoot?: string;
    outputRoot?: string;
    maxInputBytes: number;
    atOnce: number;
    leaseMs: number;
    tensors: boolean;
  };
  log: {
    flushMs: number;
    batchSize: number;
    recordInputs: boolean;
    spoolMb: number;
    sampleAboveMb: number;
    maxValueBytes: number;
    sync: boolean;
  };
}

/** Thrown when the environment is invalid; the message lists every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the `SLIPWAY_*` and `DATABASE_URL` variables (and the pools file one names). The only
 * reader of `process.env`.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  machine: MachineResources = detectMachine(),
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const pools = loadPools(e.SLIPWAY_POOLS_FILE, e.SLIPWAY_POOLS, machine);
  return {
    host: e.SLIPWAY_HOST,
    port: e.SLIPWAY_PORT,
    // Absolute: worker processes run in other folders and get artifact paths from it.
    dataDir: resolve(e.SLIPWAY_DATA_DIR),
    artifactsDir: e.SLIPWAY_ARTIFACTS_DIR && resolve(e.SLIPWAY_ARTIFACTS_DIR),
    publicUrl: (e.SLIPWAY_PUBLIC_URL ?? `http://${e.SLIPWAY_HOST}:${e.SLIPWAY_PORT}`).replace(
      /\/+$/,
      '',
    ),
    adminToken: e.SLIPWAY_ADMIN_TOKEN,
    proxyToken: e.SLIPWAY_PROXY_TOKEN,
    newUserRole: e.SLIPWAY_NEW_USER_ROLE,
    requireApproval: e.SLIPWAY_REQUIRE_APPROVAL,
    oidc: e.SLIPWAY_OIDC_ISSUER
      ? {
          issuer: e.SLIPWAY_OIDC_ISSUER,
          audience: e.SLIPWAY_OIDC_AUDIENCE ?? e.SLIPWAY_PUBLIC_URL ?? e.SLIPWAY_OIDC_ISSUER,
          userClaim: e.SLIPWAY_OIDC_USER_CLAIM,
          roleClaim: e.SLIPWAY_OIDC_ROLE_CLAIM,
          roles: parseOidcRoles(e.SLIPWAY_OIDC_ROLES),
        }
      : undefined,
    databaseUrl: e.DATABASE_URL,
    maxUploadBytes: e.SLIPWAY_MAX_UPLOAD_BYTES,
    maxBodyBytes: e.SLIPWAY_MAX_BODY_BYTES,
    maxBatch: e.SLIPWAY_MAX_BATCH,
    pools,
    python: e.SLIPWAY_PYTHON,
    modelMemoryMb: e.SLIPWAY_MODEL_MEMORY_MB,
    replicaMemoryMb: e.SLIPWAY_REPLICA_MEMORY_MB ?? Math.floor(machine.memoryMb / 2),
    java: e.SLIPWAY_JAVA,
    jvmHeapMb: e.SLIPWAY_JVM_HEAP_MB,
    kernelMemoryMb: e.SLIPWAY_KERNEL_MEMORY_MB,
    kernelStart: e.SLIPWAY_KERNEL_START,
    workerUser: e.SLIPWAY_WORKER_USER,
    workerEnv: inheritedWorkerEnv(env, e.SLIPWAY_WORKER_ENV),
    onnxIsolation: e.SLIPWAY_ONNX_ISOLATION,
    corsOrigins: e.SLIPWAY_CORS_ORIGINS,
    callbackOrigins: e.SLIPWAY_CALLBACK_ORIGINS,
    drainSeconds: e.SLIPWAY_DRAIN_SECONDS,
    catalogTtlMs: e.SLIPWAY_CATALOG_TTL_MS,
    alertIntervalMs: e.SLIPWAY_ALERT_INTERVAL_SECONDS * 1000,
    canaryIntervalMs: e.SLIPWAY_CANARY_INTERVAL_SECONDS * 1000,
    scheduleIntervalMs: e.SLIPWAY_SCHEDULE_INTERVAL_SECONDS * 1000,
    retentionDays: e.SLIPWAY_LOG_RETENTION_DAYS,
    shadow: { maxInFlight: e.SLIPWAY_SHADOW_MAX_IN_FLIGHT, timeoutMs: e.SLIPWAY_SHADOW_TIMEOUT_MS },
    batch: {
      jobsDir: resolve(e.SLIPWAY_JOBS_DIR ?? join(e.SLIPWAY_DATA_DIR, 'jobs')),
      inputRoot: e.SLIPWAY_BATCH_INPUT_ROOT && resolve(e.SLIPWAY_BATCH_INPUT_ROOT),
      outputRoot:
        (e.SLIPWAY_BATCH_OUTPUT_ROOT && resolve(e.SLIPWAY_BATCH_OUTPUT_ROOT)) ||
        (e.SLIPWAY_BATCH_INPUT_ROOT && resolve(e.SLIPWAY_BATCH_INPUT_ROOT)),
      maxInputBytes: e.SLIPWAY_BATCH_MAX_INPUT_BYTES,
      atOnce: e.SLIPWAY_JOBS_AT_ONCE,
      leaseMs: e.SLIPWAY_JOB_LEASE_SECONDS * 1000,
      tensors: e.SLIPWAY_BATCH_TENSORS,
    },
    log: {
      flushMs: e.SLIPWAY_LOG_FLUSH_MS,
      batchSize: e.SLIPWAY_LOG_BATCH,
      recordInputs: e.SLIPWAY_LOG_INPUTS,
      spoolMb: e.SLIPWAY_LOG_SPOOL_MB,
      sampleAboveMb: e.SLIPWAY_LOG_SAMPLE_ABOVE_MB ?? Math.ceil(e.SLIPWAY_LOG_SPOOL_MB / 4),
      maxValueBytes: e.SLIPWAY_LOG_MAX_VALUE_BYTES,
      sync: e.SLIPWAY_LOG_SYNC,
    },
  };
}

/**
 * What worker processes inherit from `env` (see `pickWorkerEnv`); `extraNames` is
 * `SLIPWAY_WORKER_ENV`, a comma-separated list of more variables to pass.
 */
export function inheritedWorkerEnv(
  env: Record<string, string | undefined> = process.env,
  extraNames = env.SLIPWAY_WORKER_ENV ?? '',
): InheritedWorkerEnv {
  const extra = extraNames
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return pickWorkerEnv(env, extra);
}

/** The pools of `file` if given, else those `names` lists with this machine's defaults. */
function loadPools(
  file: string | undefined,
  names: PoolName[],
  machine: MachineResources,
): PoolSpec[] {
  if (file === undefined) return names.map((name) => defaultPool(name, machine));
  let text: string;
  try {
    text = readPoolsFile(file);
  } catch (err) {
    throw new ConfigError(
      `invalid configuration:\n  SLIPWAY_POOLS_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return parsePoolsFile(text, machine);
  } catch (err) {
    throw new ConfigError(
      `invalid configuration:\n  SLIPWAY_POOLS_FILE (${file}): ${(err as Error).message}`,
    );
  }
}
