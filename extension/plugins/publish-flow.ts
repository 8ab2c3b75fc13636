import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import { userMessage } from '../client/errors.js';
import {
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
}

/** Pools offered in the dialog: the gateway's, or null once the error it gave is shown. */
async function poolNames(slipway: ISlipway, trans: TranslationBundle): Promise<string[] | null> {
  try {
    return (await slipway.client.pools()).map((p) => p.name);
  } catch (err) {
    await showErrorMessage(trans.__('Slipway gateway'), userMessage(err));
    return null;
  }
}

/**
 * The publish dialog, the upload with its progress, and the result with URL, key and curl.
 * Invalid options reopen the dialog with the values kept. Resolves with the deployment, or
 * null when cancelled or failed (the failure is shown, never thrown).
 */
export async function publishWithDialog(
  slipway: ISlipway,
  trans: TranslationBundle,
  source: PublishSource,
  initial: PublishOptions,
): Promise<Deployment | null> {
  await slipway.ready;
  const pools = await poolNames(slipway, trans);
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
        initial: options,
        problems,
        trans,
      }),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Publish') })],
      focusNodeSelector: 'input[name="name"]',
    });
    if (!answer.button.accept || !answer.value) return null;
    options = answer.value;
    problems = publishProblems(options, trans);
    if (Object.keys(problems).length === 0) break;
  }

  const result = new PublishResult(trans);
  void showDialog({
    title: trans.__('Publishing %1', options.name),
    body: result,
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
  });
  try {
    const blob = await source.read();
    const request = toPublishRequest(
      { blob, filename: source.filename, format: source.format },
      options,
    );
    const deployment = await slipway.client.publish(request, (f) => result.setProgress(f));
    result.showDeployment(deployment);
    slipway.notifyDeploymentsChanged();
    return deployment;
  } catch (err) {
    result.showError(userMessage(err));
    return null;
  }
}
