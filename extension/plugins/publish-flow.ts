import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  Deployment,
  DeploymentDetail,
  PublishCheck,
} from '../../gateway/src/protocol/index.js';
import type { TrainerInfo } from '../../gateway/src/protocol/retraining.js';
import { GatewayRequestError, userMessage } from '../client/errors.js';
import type { PublishRequest } from '../client/gateway-client.js';
import { DEPLOYMENT_NAME } from '../models/deployment-name.js';
import { previewNotebook, type NotebookCell } from '../models/notebook-checks.js';
import {
  existingNameProblem,
  publishProblems,
  toPublishRequest,
  type PublishOptions,
} from '../models/publish-options.js';
import { PublishForm } from '../widgets/PublishForm.js';
import { poolFreeText } from '../widgets/pool-choice.js';
import { PublishResult } from '../widgets/PublishResult.js';
import type { ISlipway } from '../tokens.js';

/** A file about to be published. */
export interface PublishSource {
  path: string;
  /** Unset: the gateway detects it (notebooks, and model files by their bytes). */
  format?: string;
  /**
   * Read once the dialog is accepted, so a cancelled publish reads nothing; a small model file
   * (see `size`) is read as the dialog opens, to be checked.
   */
  read(): Promise<Blob>;
  /** The file's size in bytes, when the server says it. */
  size?(): Promise<number | undefined>;
  filename: string;
  /** Reads another file of the Jupyter server: a training notebook's original training data. */
  readData?(path: string): Promise<Blob>;
  /** A notebook's cells as saved: the dialog shows its signature and warnings before upload. */
  cells?(): NotebookCell[];
}

/** What a publish made: a deployment's new version, or a deployment's training notebook. */
export type Published =
  { kind: 'function'; deployment: Deployment } | { kind: 'trainer'; trainer: TrainerInfo };

/**
 * Pools offered in the dialog, with what each has free: the gateway's, or null once the error
 * it gave is shown.
 */
async function poolChoices(
  slipway: ISlipway,
  trans: TranslationBundle,
): Promise<{ names: string[]; free: Record<string, string> } | null> {
  try {
    const pools = await slipway.client.pools();
    return {
      names: pools.map((p) => p.name),
      free: Object.fromEntries(pools.map((p) => [p.name, poolFreeText(p, trans)])),
    };
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

/** Model files the dialog checks with the gateway before publishing: their inputs come from the file alone. */
const CHECKED_FORMATS = ['onnx', 'pmml', 'mojo'];
/** Larger files are checked only by the publish itself (a check uploads the file once more). */
export const MAX_CHECKED_BYTES = 64 * 1024 * 1024;

/**
 * The dialog's check of a model file (a `dryRun` publish), when it is one whose inputs the
 * file alone tells and small enough to send twice; undefined otherwise.
 */
async function fileCheck(
  slipway: ISlipway,
  source: PublishSource,
  read: () => Promise<Blob>,
  name: string,
): Promise<(() => Promise<PublishCheck>) | undefined> {
  if (!source.format || !CHECKED_FORMATS.includes(source.format) || !source.size) return undefined;
  const size = await source.size().catch(() => undefined);
  if (size === undefined || size > MAX_CHECKED_BYTES) return undefined;
  // Once per publish: the dialog, shown again after a problem, shows the same answer.
  let checking: Promise<PublishCheck> | undefined;
  return () =>
    (checking ??= (async () =>
      slipway.client.checkPublish({
        // The check's name only decides what it says of an existing deployment, which the form
        // tells from its own lookup: any valid name does.
        name: DEPLOYMENT_NAME.test(name) ? name : 'check',
        file: await read(),
        filename: source.filename,
        format: source.format,
      }))());
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
  isOpen: () => boolean,
): Promise<Deployment | null> {
  const onProgress = (f: number) => result.setProgress(f);
  try {
    return await slipway.client.publish(request, onProgress);
  } catch (err) {
    if (!(err instanceof GatewayRequestError && err.code === 'signature_changed')) throw err;
    // Nobody is there to press "Publish anyway": the refusal is reported where the user is.
    if (!isOpen()) throw err;
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
  // Read at most once: the check and the publish send the same bytes.
  let reading: Promise<Blob> | undefined;
  const read = () => (reading ??= source.read());
  const [pools, deployments, checkFile] = await Promise.all([
    poolChoices(slipway, trans),
    retrainable(slipway, source),
    fileCheck(slipway, source, read, initial.name),
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
        pools: pools.names,
        poolFree: pools.free,
        deployments,
        initial: options,
        problems,
        trans,
        lookup: (name) => lookUp(slipway, name),
        notebook: source.cells ? previewNotebook(source.cells(), trans) : undefined,
        checkFile,
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
  const background = new BackgroundPublish(trans, options.name);
  const closed = showDialog({
    title: trans.__('Publishing %1', options.name),
    body: result,
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
  }).then(() => {
    background.dialogClosed();
    return false as const;
  });
  const display = { asyncCalls: options.asyncCalls };
  try {
    const blob = await read();
    const request = toPublishRequest(
      { blob, filename: source.filename, format: source.format },
      options,
    );
    const deployment = await publishConfirmingSignature(
      slipway,
      trans,
      request,
      result,
      closed,
      () => background.isOpen,
    );
    if (!deployment) {
      background.declined();
      return null;
    }
    result.showDeployment(deployment, display);
    background.published(deployment, display);
    slipway.notifyDeploymentsChanged();
    return { kind: 'function', deployment };
  } catch (err) {
    result.showError(userMessage(err));
    background.failed(userMessage(err));
    return null;
  }
}

/**
 * A publish whose result dialog may be closed before it ends. Once closed, a notification
 * says the publish goes on, and then turns into its outcome, with a Show action that shows
 * URL, key and curl again: the one-time key is never lost (as `Notification.promise` does).
 */
class BackgroundPublish {
  isOpen = true;
  private id: string | null = null;
  private settled = false;

  constructor(
    private readonly trans: TranslationBundle,
    private readonly name: string,
  ) {}

  dialogClosed(): void {
    this.isOpen = false;
    if (this.settled) return;
    this.id = Notification.emit(
      this.trans.__('Publishing %1 goes on; its URL and key will be here.', this.name),
      'in-progress',
      { autoClose: false },
    );
  }

  published(d: Deployment, display: { asyncCalls?: boolean }): void {
    this.settled = true;
    if (this.isOpen) return;
    const trans = this.trans;
    const show = () => {
      const again = new PublishResult(trans);
      again.showDeployment(d, display);
      void showDialog({
        title: trans.__('Published %1', d.name),
        body: again,
        buttons: [Dialog.okButton({ label: trans.__('Close') })],
      });
    };
    const message = d.invokeKey
      ? trans.__(
          'Version %1 of %2 is live. Show it to copy the URL and the key (shown once).',
          d.version,
          d.name,
        )
      : trans.__('Version %1 of %2 is live.', d.version, d.name);
    this.finish(message, 'success', [
      { label: trans.__('Show'), callback: show, displayType: 'accent' },
    ]);
  }

  failed(message: string): void {
    this.settled = true;
    if (this.isOpen) return;
    this.finish(this.trans.__('%1 was not published: %2', this.name, message), 'error', []);
  }

  declined(): void {
    this.settled = true;
    if (this.id) Notification.dismiss(this.id);
  }

  private finish(
    message: string,
    type: 'success' | 'error',
    actions: Notification.IAction[],
  ): void {
    const options = { autoClose: false as const, actions };
    if (this.id) Notification.update({ id: this.id, message, type, ...options });
    else Notification.emit(message, type, options);
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
