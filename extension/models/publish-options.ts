import type { TranslationBundle } from '@jupyterlab/translation';
import type { DeploymentDetail, Format, Signature } from '../../gateway/src/protocol/index.js';
import { breakingSignatureChanges } from '../../gateway/src/retraining/signature-changes.js';
import type { PublishRequest } from '../client/gateway-client.js';
import { dataContentTypeOf } from './data-files.js';
import { deploymentNameProblem } from './deployment-name.js';

/** What the publish dialog collects. */
export interface PublishOptions {
  name: string;
  pool: string;
  public: boolean;
  /** Seconds a call may run; empty for the gateway's default. */
  timeoutSeconds?: number;
  /** Pickles: Python source defining `preprocess(records)`. */
  preprocess?: string;
  /** Pickles: Python source defining `predict(model, data)`. */
  predict?: string;
  /**
   * Pickles: the inputs as JSON, `[{"name": "text", "type": "string"}]`. Needed with a
   * pre-processing snippet (only its author knows what it takes); else read from the model.
   */
  inputs?: string;
  /** Notebooks: published as a function (the default), or as the trainer of a deployment. */
  as?: 'function' | 'trainer';
  /** The deployment a training notebook retrains. */
  trainerOf?: string;
  /** The original training data: a CSV or Parquet file of the Jupyter server; empty for none. */
  trainingFile?: string;
  /**
   * The existing deployment the user chose to publish a new version of; a name that exists
   * and is not this is refused (see `existingNameProblem`), so no version is made by accident.
   */
  newVersionOf?: string;
  /** Pickles and notebooks: extra packages, one requirement a line (requirements.txt text). */
  requirements?: string;
  /** Notebooks: calls run at once; more wait in the queue. */
  maxConcurrency?: number;
  /** Notebooks: kernels started ahead of demand. */
  warmKernels?: number;
  /** Notebooks: seconds without calls before the kernels stop (scale to zero). */
  idleSeconds?: number;
  /**
   * Notebooks: callers are shown the asynchronous call (`?async=true`: 202 at once with a
   * status URL), for runs longer than an HTTP client waits. A way of calling, not a setting
   * the gateway stores.
   */
  asyncCalls?: boolean;
}

/** The next version number of an existing deployment: one past its newest version. */
export function nextVersion(existing: DeploymentDetail): number {
  return Math.max(existing.version, ...existing.versions.map((v) => v.version)) + 1;
}

/** What the file being published would be (a `dryRun` publish): its format and inputs. */
export interface CheckedFile {
  format: Format;
  signature: Signature;
}

/**
 * What the dialog says of a name that exists: its live version, format and inputs; with the
 * checked file, what the new version would be and what it would break for today's callers.
 */
export function existingSummary(
  existing: DeploymentDetail,
  trans: TranslationBundle,
  next?: CheckedFile,
): string {
  const names = (s: Signature) => s.inputs.map((f) => f.name).join(', ') || trans.__('none');
  const was = trans.__(
    '%1 exists: v%2, %3, inputs %4;',
    existing.name,
    existing.version,
    existing.format,
    names(existing.signature),
  );
  if (!next) return `${was} ${trans.__('this becomes v%1.', nextVersion(existing))}`;
  const becomes = trans.__(
    'this becomes v%1 as %2 with inputs %3.',
    nextVersion(existing),
    next.format,
    names(next.signature),
  );
  const breaking = breakingSignatureChanges(existing.signature, next.signature);
  return breaking.length
    ? `${was} ${becomes} ${trans.__('Today’s callers would fail: %1.', breaking.join('; '))}`
    : `${was} ${becomes}`;
}

/**
 * The problem of publishing under a name that exists without choosing to make a new version
 * of it; undefined when the name is new or the choice was made.
 */
export function existingNameProblem(
  opts: PublishOptions,
  existing: DeploymentDetail | null,
  trans: TranslationBundle,
): string | undefined {
  if (!existing || opts.newVersionOf === existing.name) return undefined;
  return trans.__(
    '%1 Choose "Publish as a new version of %2", or change the name.',
    existingSummary(existing, trans),
    existing.name,
  );
}

/** What the gateway takes as a requirement (pickle-config.ts): a name first, no pip option. */
const REQUIREMENT = /^[A-Za-z0-9][^\n]*$/;

/** The requirements' lines without comments and blank lines, as the gateway reads them. */
function requirementLines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** The labels the form gives its fields, for the line that says why Publish is disabled. */
function fieldLabel(field: keyof PublishOptions, trans: TranslationBundle): string {
  const labels: Partial<Record<keyof PublishOptions, string>> = {
    name: trans.__('Name'),
    timeoutSeconds: trans.__('Timeout (s)'),
    inputs: trans.__('Inputs'),
    requirements: trans.__('Requirements'),
    maxConcurrency: trans.__('Concurrent calls'),
    warmKernels: trans.__('Warm kernels'),
    idleSeconds: trans.__('Idle time (s)'),
    trainerOf: trans.__('Deployment'),
    trainingFile: trans.__('Training data'),
  };
  return labels[field] ?? field;
}

/**
 * Why Publish is disabled, naming each field and what it expects; undefined when it is not.
 */
export function publishDisabledReason(
  problems: Partial<Record<keyof PublishOptions, string>>,
  trans: TranslationBundle,
): string | undefined {
  const entries = Object.entries(problems) as [keyof PublishOptions, string][];
  if (entries.length === 0) return undefined;
  return trans.__(
    'Publish is disabled until this is fixed: %1',
    entries.map(([field, problem]) => `${fieldLabel(field, trans)}: ${problem}`).join(' '),
  );
}

function parseInputs(text: string | undefined): unknown[] | null | undefined {
  if (!text?.trim()) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.length > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Problems with the options, by field, in the user's language; empty when they can be sent. */
export function publishProblems(
  opts: PublishOptions,
  trans: TranslationBundle,
): Partial<Record<keyof PublishOptions, string>> {
  const problems: Partial<Record<keyof PublishOptions, string>> = {};
  if (opts.as === 'trainer') return trainerProblems(opts, trans);
  const name = deploymentNameProblem(opts.name, trans);
  if (name) problems.name = name;
  if (
    opts.timeoutSeconds !== undefined &&
    !(opts.timeoutSeconds > 0 && opts.timeoutSeconds <= 86_400)
  )
    problems.timeoutSeconds = trans.__(
      'A timeout is a number of seconds between 1 and 86400; leave it empty for the gateway default.',
    );
  const count = (
    field: 'maxConcurrency' | 'warmKernels' | 'idleSeconds',
    ok: (n: number) => boolean,
    expected: string,
  ) => {
    const value = opts[field];
    if (value !== undefined && !ok(value)) problems[field] = expected;
  };
  count(
    'maxConcurrency',
    (n) => Number.isInteger(n) && n >= 1 && n <= 64,
    trans.__('Concurrent calls is a whole number between 1 and 64.'),
  );
  count(
    'warmKernels',
    (n) => Number.isInteger(n) && n >= 0 && n <= 16,
    trans.__('Warm kernels is a whole number between 0 and 16.'),
  );
  count(
    'idleSeconds',
    (n) => n > 0 && n <= 7 * 86_400,
    trans.__('Idle time is a number of seconds between 1 and 604800 (a week).'),
  );
  const bad = requirementLines(opts.requirements).find((r) => !REQUIREMENT.test(r));
  if (bad !== undefined)
    problems.requirements = trans.__(
      'Requirements are one package a line, such as xgboost==2.1.3; "%1" is not one (pip options are not taken).',
      bad,
    );
  if (parseInputs(opts.inputs) === null)
    problems.inputs = trans.__('Inputs are a JSON list like [{"name": "text", "type": "string"}].');
  if (opts.preprocess?.trim() && !opts.inputs?.trim())
    problems.inputs = trans.__(
      'A pre-processing snippet needs the inputs it takes, as a JSON list.',
    );
  return problems;
}

/** Problems of a training notebook's options: a deployment, and a data file if one is named. */
function trainerProblems(
  opts: PublishOptions,
  trans: TranslationBundle,
): Partial<Record<keyof PublishOptions, string>> {
  const problems: Partial<Record<keyof PublishOptions, string>> = {};
  if (!opts.trainerOf)
    problems.trainerOf = trans.__('Choose the deployment this notebook retrains.');
  const file = opts.trainingFile?.trim();
  const type = file ? dataContentTypeOf(file) : null;
  if (file && type !== 'text/csv' && type !== 'application/vnd.apache.parquet')
    problems.trainingFile = trans.__(
      'Training data is a .csv or .parquet file of this Jupyter server, e.g. data/train.csv.',
    );
  return problems;
}

/** The gateway request for a file and the dialog's options. */
export function toPublishRequest(
  file: { blob: Blob; filename: string; format?: string },
  opts: PublishOptions,
): PublishRequest {
  const config: Record<string, unknown> = {};
  if (opts.timeoutSeconds !== undefined) config.timeoutSeconds = opts.timeoutSeconds;
  if (opts.preprocess?.trim()) config.preprocess = opts.preprocess;
  if (opts.predict?.trim()) config.predict = opts.predict;
  const requirements = requirementLines(opts.requirements);
  if (requirements.length) config.requirements = requirements;
  if (opts.maxConcurrency !== undefined) config.maxConcurrency = opts.maxConcurrency;
  if (opts.warmKernels !== undefined) config.warmKernels = opts.warmKernels;
  if (opts.idleSeconds !== undefined) config.idleSeconds = opts.idleSeconds;
  const inputs = parseInputs(opts.inputs);
  if (inputs) config.signature = { inputs };
  return {
    name: opts.name,
    file: file.blob,
    filename: file.filename,
    format: file.format,
    pool: opts.pool,
    public: opts.public,
    config,
  };
}
