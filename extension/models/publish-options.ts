import type { TranslationBundle } from '@jupyterlab/translation';
import type { DeploymentDetail } from '../../gateway/src/protocol/index.js';
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
}

/** The next version number of an existing deployment: one past its newest version. */
export function nextVersion(existing: DeploymentDetail): number {
  return Math.max(existing.version, ...existing.versions.map((v) => v.version)) + 1;
}

/** What the dialog says of a name that exists: its live version, format and inputs. */
export function existingSummary(existing: DeploymentDetail, trans: TranslationBundle): string {
  const inputs = existing.signature.inputs.map((f) => f.name).join(', ');
  return trans.__(
    '%1 exists: v%2, %3, inputs %4; this becomes v%5.',
    existing.name,
    existing.version,
    existing.format,
    inputs || trans.__('none'),
    nextVersion(existing),
  );
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
    problems.timeoutSeconds = trans.__('A timeout is a number of seconds between 1 and 86400.');
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
