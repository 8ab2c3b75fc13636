/**
 * The environment of every process that runs user code (Python workers and their kernels, the
 * JVM, ONNX workers, pip installing a deployment's requirements): an allow-list, never the
 * gateway's own environment, which holds its secrets (`SLIPWAY_ADMIN_TOKEN`, `DATABASE_URL`,
 * cloud credentials).
 */

/** Variables a worker inherits from the gateway when they are set: what programs need to run. */
export const WORKER_ENV_NAMES: readonly string[] = [
  // Finding programs (`java`, `python3`) and shared libraries (CUDA, a JDK outside the system).
  'PATH',
  'LD_LIBRARY_PATH',
  'JAVA_HOME',
  // Text: the locale and the time zone.
  'LANG',
  'LANGUAGE',
  'TZ',
  // GPUs the gateway was given.
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  // Certificates for HTTPS (a notebook fetching data, pip).
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** `LC_ALL`, `LC_CTYPE`, …: the locale's parts. */
const LOCALE_VARIABLE = /^LC_[A-Z_]+$/;

/** What pip additionally sees when it installs a deployment's requirements: its own settings and proxies. */
const PIP_VARIABLE = /^(PIP_[A-Z0-9_]+|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;

/**
 * Names no worker ever gets, even when an operator lists them in `SLIPWAY_WORKER_ENV`: the
 * gateway's own settings and secrets, database and cloud credentials.
 */
export const FORBIDDEN_WORKER_ENV =
  /^(SLIPWAY_.*|DATABASE_URL|PG[A-Z]+|AWS_.*|AZURE_.*|GOOGLE_.*|GCP_.*|KUBECONFIG|.*(TOKEN|SECRET|PASSWORD|CREDENTIALS?|API_KEY).*)$/i;

/** The variables workers inherit, and the ones pip gets on top of those. */
export interface InheritedWorkerEnv {
  /** Every worker and kernel: the allow-list above, plus the names an operator added. */
  worker: Record<string, string>;
  /** pip installing `config.requirements`: its `PIP_*` settings and the proxies. */
  pip: Record<string, string>;
}

/**
 * Picks from `env` what workers may inherit: `WORKER_ENV_NAMES`, `LC_*`, and the `extra` names
 * an operator allowed (`SLIPWAY_WORKER_ENV`), never one matching `FORBIDDEN_WORKER_ENV`.
 */
export function pickWorkerEnv(
  env: Record<string, string | undefined>,
  extra: readonly string[] = [],
): InheritedWorkerEnv {
  const worker: Record<string, string> = {};
  const pip: Record<string, string> = {};
  const allowed = new Set([...WORKER_ENV_NAMES, ...extra]);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (PIP_VARIABLE.test(name)) pip[name] = value;
    if (FORBIDDEN_WORKER_ENV.test(name)) continue;
    if (allowed.has(name) || LOCALE_VARIABLE.test(name)) worker[name] = value;
  }
  return { worker, pip };
}

/**
 * A worker's whole environment: what it inherits, its private `HOME` and `TMPDIR` (when it has
 * a scratch folder), then what its command sets (`PYTHONPATH`, …). A forbidden name in `own`
 * is a programming error: it throws rather than hand a secret over.
 */
export function workerEnvironment(
  inherited: Record<string, string>,
  own: Record<string, string> = {},
  scratch?: string,
): Record<string, string> {
  for (const name of Object.keys(own))
    if (FORBIDDEN_WORKER_ENV.test(name))
      throw new Error(`refusing to pass ${name} to a worker process`);
  const env: Record<string, string> = { ...inherited };
  // Never the gateway's PATH-less default: Node looks the command up in the child's PATH.
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  if (scratch) {
    env.HOME = scratch;
    env.TMPDIR = scratch;
  }
  return { ...env, ...own };
}
