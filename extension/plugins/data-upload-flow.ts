import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import type { DataContentType } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { feedbackMessage, referenceMessage, type DataPurpose } from '../models/data-files.js';
import type { ISlipway } from '../tokens.js';
import { DataUploadForm } from '../widgets/DataUploadForm.js';
import { DataUploadProgress } from '../widgets/DataUploadProgress.js';

/** A data file about to be sent. */
export interface DataSource {
  path: string;
  filename: string;
  contentType: DataContentType;
  /** Read only after a deployment was picked, so a cancelled dialog reads nothing. */
  read(): Promise<Blob>;
}

/** The deployments to pick from, or null once the reason there are none is shown. */
export async function deploymentsToPick(
  slipway: ISlipway,
  trans: TranslationBundle,
): Promise<Deployment[] | null> {
  let deployments: Deployment[];
  try {
    deployments = await slipway.client.deployments();
  } catch (err) {
    await showErrorMessage(trans.__('Slipway gateway'), userMessage(err));
    return null;
  }
  if (deployments.length) return deployments;
  await showErrorMessage(
    trans.__('No deployment'),
    trans.__('Nothing published yet: publish a model first, then send it data.'),
  );
  return null;
}

/**
 * Sends a data file to a deployment: ground truth (`feedback`) or the drift reference. A
 * dialog picks the deployment, a second one shows the upload's progress, a notification tells
 * the outcome (the gateway's message on failure: which row and column). Resolves with the
 * deployment's name once sent, or null when cancelled or failed; never rejects.
 */
export async function sendDataWithDialog(
  slipway: ISlipway,
  trans: TranslationBundle,
  source: DataSource,
  purpose: DataPurpose,
  options: { initial?: string } = {},
): Promise<string | null> {
  await slipway.ready;
  const deployments = await deploymentsToPick(slipway, trans);
  if (!deployments) return null;
  const answer = await showDialog({
    title:
      purpose === 'feedback'
        ? trans.__('Send %1 as ground truth', source.filename)
        : trans.__('Set %1 as reference', source.filename),
    body: new DataUploadForm({
      path: source.path,
      purpose,
      deployments,
      initial: options.initial,
      trans,
    }),
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: purpose === 'feedback' ? trans.__('Send') : trans.__('Set') }),
    ],
  });
  if (!answer.button.accept || !answer.value) return null;
  const name = answer.value;

  const progress = new DataUploadProgress(trans);
  const dialog = new Dialog({
    title:
      purpose === 'feedback'
        ? trans.__('Sending ground truth to %1', name)
        : trans.__('Setting the reference of %1', name),
    body: progress,
    // The upload goes on when the dialog is hidden: its outcome comes as a notification.
    buttons: [Dialog.okButton({ label: trans.__('Hide') })],
  });
  void dialog.launch();
  const openMonitor = {
    label: trans.__('Open monitor'),
    callback: () => slipway.openMonitor(name),
  };
  try {
    const file = await source.read();
    const data = { file, contentType: source.contentType };
    const onProgress = (f: number) => progress.setProgress(f);
    const message =
      purpose === 'feedback'
        ? feedbackMessage(name, await slipway.client.sendFeedback(name, data, onProgress), trans)
        : referenceMessage(await slipway.client.setReference(name, data, onProgress), trans);
    Notification.success(message, { autoClose: 8000, actions: [openMonitor] });
    return name;
  } catch (err) {
    const failed =
      purpose === 'feedback'
        ? trans.__(
            'Ground truth from %1 was not sent to %2: %3',
            source.filename,
            name,
            userMessage(err),
          )
        : trans.__(
            '%1 was not set as the reference of %2: %3',
            source.filename,
            name,
            userMessage(err),
          );
    Notification.error(failed, { autoClose: false });
    return null;
  } finally {
    dialog.resolve();
  }
}
