import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import {
  formatEta,
  formatJobErrors,
  formatJobRows,
  formatRowsPerSecond,
  jobFraction,
  jobProgressText,
} from '../models/job-progress.js';
import type { ScoreRun } from '../models/score-run.js';
import { el } from './dom.js';

/**
 * A Score with… run as it goes: a progress bar (the upload, then the job), rows done, rows/s,
 * time left and errors, a Cancel button while it can be cancelled, and at the end the files
 * written. The node's `jp-mod-<stage>` class says where the run is.
 */
export class ScoreProgress extends Widget {
  private readonly bar: HTMLProgressElement;
  private readonly status = el('p', { role: 'status' });
  private readonly figures = el('dl', { class: 'jp-SlipwayScoreProgress-figures' });
  private readonly files = el('ul', { class: 'jp-SlipwayScoreProgress-files' });
  private readonly cancelButton: HTMLButtonElement;

  constructor(
    private readonly run: ScoreRun,
    private readonly trans: TranslationBundle,
  ) {
    super();
    this.addClass('jp-SlipwayPublishResult');
    this.addClass('jp-SlipwayScoreProgress');
    this.bar = el('progress', { max: '1', 'aria-label': trans.__('Scoring progress') });
    this.cancelButton = el(
      'button',
      {
        type: 'button',
        class: 'jp-mod-styled jp-mod-warn',
        onClick: () => void this.run.cancel(),
      },
      [trans.__('Cancel job')],
    );
    this.node.append(this.bar, this.status, this.figures, this.files, this.cancelButton);
    run.changed.connect(this.render, this);
    this.render();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.run.changed.disconnect(this.render, this);
    super.dispose();
  }

  private render(): void {
    const { run, trans } = this;
    for (const c of [...this.node.classList])
      if (c.startsWith('jp-mod-')) this.node.classList.remove(c);
    this.node.classList.add(`jp-mod-${run.stage}`);
    this.cancelButton.hidden = run.finished || run.stage === 'saving';
    this.cancelButton.disabled = run.cancelling;
    this.cancelButton.textContent = run.cancelling
      ? trans.__('Cancelling…')
      : trans.__('Cancel job');

    const job = run.job;
    const fraction =
      run.stage === 'reading'
        ? 0
        : run.stage === 'uploading'
          ? run.uploaded
          : job && jobFraction(job);
    // No value: an indeterminate bar, while the gateway cannot tell how far it is.
    if (fraction === null) this.bar.removeAttribute('value');
    else this.bar.value = fraction;

    this.status.textContent = this.statusText();
    if (job && run.stage !== 'reading' && run.stage !== 'uploading') {
      const figure = (label: string, value: string) => [
        el('dt', {}, [label]),
        el('dd', {}, [value]),
      ];
      this.figures.replaceChildren(
        ...figure(trans.__('Rows'), formatJobRows(job, trans)),
        ...figure(trans.__('Speed'), formatRowsPerSecond(job.rowsPerSecond, trans)),
        ...(run.finished ? [] : figure(trans.__('Time left'), formatEta(job.etaSeconds, trans))),
        ...figure(trans.__('Errors'), formatJobErrors(job, trans)),
      );
    }
    const saved = [run.saved.output, run.saved.errors].filter((p): p is string => p !== null);
    this.files.replaceChildren(...saved.map((p) => el('li', {}, [el('code', {}, [p])])));
  }

  private statusText(): string {
    const { run, trans } = this;
    const job = run.job;
    switch (run.stage) {
      case 'reading':
        return trans.__('Reading %1…', run.request.inputPath);
      case 'uploading':
        return run.uploaded < 1
          ? trans.__('Uploading… %1%', Math.round(run.uploaded * 100))
          : trans.__('The gateway is reading the file…');
      case 'scoring':
        return job ? jobProgressText(job, trans) : '';
      case 'saving':
        return trans.__('Saving next to %1…', run.request.inputPath);
      case 'done':
        return job ? jobProgressText(job, trans) : '';
      case 'cancelled':
        return job ? jobProgressText(job, trans) : trans.__('Cancelled.');
      case 'failed':
        // The gateway's own message, or why it could not be reached.
        return job?.state === 'failed'
          ? jobProgressText(job, trans)
          : trans.__('Not scored: %1', run.error ?? '');
    }
  }
}
