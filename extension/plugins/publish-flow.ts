import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Deployment, DeploymentDetail } from '../../gateway/src/protocol/index.js';
import type { TrainerInfo } from '../../gateway/src/protocol/retraining.js';
import { GatewayRequestError, userMessage } from '../client/errors.js';
import type { PublishRequest } from '../client/gateway-client.js';
import {
  existingNameProblem,
  publishProblems,
  toPublishRequest,
  type PublishOptions,
} from '../models/publish-options.js';
import { PublishForm } from '../widgets/PublishForm.js';
import { PublishResult } from '../widgets/PublishResult.js';
import type { ISlipway } from '../tokens.js';

/** A file about to be published. */
export interface PublishSource {
  path: string;
  /** Unset: the gateway detects it (notebooks, and model files by their bytes). */
  format?: string;
  /** Read only after the dialog is accepted, so a cancelled publish reads nothing. */
  read(): Promise<Blob>;
  filename: string;
  /** Reads another file of the Jupyter server: a training notebook's original training data. */
  readData?(path: string): Promise<Blob>;
}

/** What a publish made: a deployment's new version, or a deployment's training notebook. */
export type Published =
  { kind: 'function'; deployment: Deployment } | { kind: 'trainer'; trainer: TrainerInfo };

/** Pools offered in the dialog: the gateway's, or null once the error it gave is shown. */
async function poolNames(slipway: ISlipway, trans: TranslationBundle): Promise<string[] | null> {
  try {
    return (await slipway.client.pools()).map((p) => p.name);
  } catch (err) {
    await showErrorMessage(trans.__('Slipway gateway'), userMessage(err));
    return null;
  }
}

/** Deployments a notebook can retrain: those serving a model (never another notebook). */
async function retrainable(slipway: ISlipway, source: PublishSource): Promise<string[]> {
  if (source.format !== 'notebook') return [];
  try {
    const deployments = await slipway.client.deployments();
    return deployments.filter((d) => d.format !== 'notebook').map((d) => d.name);
  } catch {
    // Publishing as a function is still offered; the pools' error says what is wrong.
    return [];
  }
}

/** The deployment of that name, or null when there is none (or it cannot be told now). */
async function lookUp(slipway: ISlipway, name: string): Promise<DeploymentDetail | null> {
  try {
    return await slipway.client.deployment(name);
  } catch {
    // A 404 is a new name; any other failure the publish itself will report.
    return null;
  }
}

/**
 * Publishes; a new version that would break the live version's callers (409
 * signature_changed) shows the gateway's list of differences in `result`, and is sent again
 * with allowSignatureChange only when the user presses "Publish anyway". (A second dialog
 * would wait behind the result dialog: JupyterLab shows one at a time.)
 */
async function publishConfirmingSignature(
  slipway: ISlipway,
  trans: TranslationBundle,
  request: PublishRequest,
  result: PublishResult,
  closed: Promise<false>,
): Promise<Deployment | null> {
  const onProgress = (f: number) => result.setProgress(f);
  try {
    return await slipway.client.publish(request, onProgress);
  } catch (err) {
    if (!(err instanceof GatewayRequestError && err.code === 'signature_changed')) throw err;
    // Closing the result dialog instead declines: nothing more is sent.
    if (
      !(await Promise.race([result.offerAnyway(err.message, trans.__('Publish anyway')), closed]))
    )
      return null;
    return slipway.client.publish({ ...request, allowSignatureChange: true }, onProgress);
  }
}

/**
 * The publish dialog, the upload with its progress, and the result with URL, key and curl;
 * for a notebook, optionally its upload as a deployment's trainer instead. Invalid options
 * reopen the dialog with the values kept. Resolves with what was published, or null when
 * cancelled or failed (the failure is shown, never thrown).
 */
export async function publishWithDialog(
  slipway: ISlipway,
  trans: TranslationBundle,
  source: PublishSource,
  initial: PublishOptions,
): Promise<Published | null> {
  await slipway.ready;
  const [pools, deployments] = await Promise.all([
    poolNames(slipway, trans),
    retrainable(slipway, source),
  ]);
  if (!pools) return null;
  let options = initial;
  let problems: ReturnType<typeof publishProblems> = {};
  for (;;) {
    const answer = await showDialog({
      title: trans.__('Publish %1', source.filename),
      body: new PublishForm({
        path: source.path,
        format: source.format,
        pools,
        deployments,
        initial: options,
        problems,
        trans,
        lookup: (name) => lookUp(slipway, name),
      }),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Publish') })],
      focusNodeSelector: 'input[name="name"]',
    });
    if (!answer.button.accept || !answer.value) return null;
    options = answer.value;
    problems = publishProblems(options, trans);
    if (Object.keys(problems).length === 0 && options.as !== 'trainer') {
      // Asked again here: the form's own lookup may not have answered before Publish.
      const existing = await lookUp(slipway, options.name);
      const problem = existingNameProblem(options, existing, trans);
      if (problem) problems = { name: problem };
    }
    if (Object.keys(problems).length === 0) break;
  }
  if (options.as === 'trainer' && options.trainerOf)
    return uploadTrainer(slipway, trans, source, options.trainerOf, options.trainingFile);

  const result = new PublishResult(trans);
  const closed = showDialog({
    title: trans.__('Publishing %1', options.name),
    body: result,
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
  }).then(() => false as const);
  try {
    const blob = await source.read();
    const request = toPublishRequest(
      { blob, filename: source.filename, format: source.format },
      options,
    );
    const deployment = await publishConfirmingSignature(slipway, trans, request, result, closed);
    if (!deployment) return null;
    result.showDeployment(deployment);
    slipway.notifyDeploymentsChanged();
    return { kind: 'function', deployment };
  } catch (err) {
    result.showError(userMessage(err));
    return null;
  }
}

/** Uploads the notebook (and its training data) as the trainer of `name`, showing the result. */
async function uploadTrainer(
  slipway: ISlipway,
  trans: TranslationBundle,
  source: PublishSource,
  name: string,
  trainingPath: string | undefined,
): Promise<Published | null> {
  const result = new PublishResult(trans);
  void showDialog({
    title: trans.__('Making %1 the trainer of %2', source.filename, name),
    body: result,
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
  });
  try {
    const notebook = await source.read();
    let trainingFile: { file: Blob; filename: string } | undefined;
    if (trainingPath) {
      if (!source.readData) throw new Error(trans.__('Training data cannot be read from here.'));
      const filename = trainingPath.split('/').pop() ?? trainingPath;
      trainingFile = { file: await source.readData(trainingPath), filename };
    }
    const trainer = await slipway.client.retraining.setTrainer(
      name,
      { notebook, filename: source.filename, trainingFile },
      (f) => result.setProgress(f),
    );
    result.showTrainer(trainer);
    return { kind: 'trainer', trainer };
  } catch (err) {
    result.showError(userMessage(err));
    return null;
  }
}
