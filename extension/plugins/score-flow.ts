import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { jobOptionsOf, scoreProblems } from '../models/score-options.js';
import { headerColumns, scoreInputFormatOf } from '../models/score-files.js';
import { ScoreRun, type ScoreRunDeps } from '../models/score-run.js';
import type { ISlipway } from '../tokens.js';
import { ScoreForm } from '../widgets/ScoreForm.js';
import { ScoreProgress } from '../widgets/ScoreProgress.js';
import { deploymentsToPick } from './data-upload-flow.js';
import type { JupyterFiles } from './jupyter-files.js';

/** What Score with… needs besides the gateway. */
export interface ScoreFlowOptions {
  files: JupyterFiles;
  /** Opens a file of the Jupyter server (the output, from the notification). */
  open?: (path: string) => void;
  /** The deployment picked first. */
  initial?: string;
  /** Between polls of the job; about a second by default. */
  wait?: ScoreRunDeps['wait'];
}

/**
 * Scores a data file with a deployment: a dialog picks the deployment and the options, a
 * second one shows the job's progress (with Cancel) and, once it succeeded, the files written
 * next to the input. A notification tells the outcome. Resolves with the run once it ended,
 * or null when the dialog was cancelled; never rejects.
 */
export async function scoreFileWithDialog(
  slipway: ISlipway,
  trans: TranslationBundle,
  path: string,
  options: ScoreFlowOptions,
): Promise<ScoreRun | null> {
  const format = scoreInputFormatOf(path);
  if (!format) return null;
  await slipway.ready;
  const deployments = await deploymentsToPick(slipway, trans);
  if (!deployments) return null;
  const { files } = options;
  // The columns to offer as pass-through, when the first bytes tell them; a text field else.
  const columns =
    format === 'parquet'
      ? null
      : await files.head(path).then(
          ({ text, complete }) => headerColumns(text, format, complete),
          () => null,
        );
  const filename = PathExt.basename(path);
  const answer = await showDialog({
    title: trans.__('Score %1 with…', filename),
    body: new ScoreForm({
      path,
      format,
      deployments,
      initial: options.initial,
      columns,
      trans,
    }),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Score') })],
  });
  if (!answer.button.accept || !answer.value) return null;
  const draft = answer.value;
  // The form keeps Score disabled while a field is wrong; Enter still reaches here.
  const problems = Object.values(scoreProblems(draft, trans));
  if (problems.length) {
    await showErrorMessage(trans.__('Score %1 with…', filename), problems.join(' '));
    return null;
  }

  const run = new ScoreRun(
    { deployment: draft.deployment, inputPath: path, options: jobOptionsOf(draft, format) },
    {
      jobs: slipway.client.jobs,
      read: () => files.read(path),
      taken: () => files.namesBeside(path),
      save: (to, file) => files.save(to, file),
      wait: options.wait,
    },
  );
  const progress = new ScoreProgress(run, trans);
  const dialog = new Dialog({
    title: trans.__('Scoring %1 with %2', filename, draft.deployment),
    body: progress,
    // The job goes on when the dialog is closed: its outcome comes as a notification.
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
  });
  // Disposed unanswered (the shell going away) rejects: nothing to do then but clean up.
  void dialog
    .launch()
    .catch(() => undefined)
    .then(() => progress.dispose());
  await run.run();
  notifyOutcome(run, slipway, trans, filename, options.open);
  return run;
}

function notifyOutcome(
  run: ScoreRun,
  slipway: ISlipway,
  trans: TranslationBundle,
  filename: string,
  open: ((path: string) => void) | undefined,
): void {
  const name = run.request.deployment;
  const openMonitor = {
    label: trans.__('Open monitor'),
    callback: () => slipway.openMonitor(name, { tab: 'jobs' }),
  };
  const output = run.saved.output;
  if (run.stage === 'done' && output) {
    const rows = run.job?.rows.done ?? 0;
    Notification.success(
      trans._n(
        'Scored %1 row of %2 with %3: %4',
        'Scored %1 rows of %2 with %3: %4',
        rows,
        filename,
        name,
        output,
      ),
      {
        autoClose: 8000,
        actions: open
          ? [{ label: trans.__('Open'), callback: () => open(output) }, openMonitor]
          : [openMonitor],
      },
    );
    return;
  }
  if (run.stage === 'cancelled') {
    Notification.info(trans.__('Scoring %1 with %2 was cancelled.', filename, name), {
      autoClose: 5000,
    });
    return;
  }
  Notification.error(trans.__('%1 was not scored with %2: %3', filename, name, run.error ?? ''), {
    autoClose: false,
    actions: [openMonitor],
  });
}
