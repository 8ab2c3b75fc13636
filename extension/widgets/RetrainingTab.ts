import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { RetrainRun, TrainerInfo } from '../../gateway/src/protocol/retraining.js';
import { userMessage } from '../client/errors.js';
import {
  decisionLabel,
  formatDuration,
  runMessage,
  runStatusLabel,
  type RetrainingModel,
} from '../models/retraining-model.js';
import { shortRunId, triggerLabel } from '../models/versions-model.js';
import { el } from './dom.js';
import { MonitorPage } from './MonitorPage.js';
import { monitorTable } from './table.js';

/** Opens a run's executed notebook in JupyterLab (saving it first where JupyterLab can read it). */
export type OpenRunNotebook = (
  run: Pick<RetrainRun, 'deployment' | 'id'>,
  notebook: Record<string, unknown>,
) => Promise<void>;

export interface RetrainingTabOptions {
  model: RetrainingModel;
  trans: TranslationBundle;
  /** Absent: runs offer no Open notebook (outside JupyterLab). */
  openNotebook?: OpenRunNotebook;
}

/**
 * The Retraining tab: the training notebook, Retrain now, and each run with its status,
 * trigger, duration, candidate and decision; a run's executed notebook opens in JupyterLab.
 */
export class RetrainingTab extends MonitorPage<RetrainingModel> {
  private readonly openNotebook: OpenRunNotebook | null;
  private readonly trainer = el('p', { class: 'jp-SlipwayMonitor-help' });
  private readonly retrainButton: HTMLButtonElement;
  private readonly noRuns = el('p', { class: 'jp-SlipwayMonitor-status', role: 'status' });
  private readonly rows = el('tbody');

  constructor({ model, trans, openNotebook }: RetrainingTabOptions) {
    super(model, trans, 'retraining', trans._p('monitor tab', 'Retraining'));
    this.openNotebook = openNotebook ?? null;
    this.retrainButton = el(
      'button',
      {
        type: 'button',
        class: 'jp-mod-styled jp-mod-accept',
        onClick: () => void this.retrain(),
      },
      [trans.__('Retrain now')],
    );
    this.node.append(
      this.error,
      el('div', { class: 'jp-SlipwayMonitor-heading' }, [
        el('h3', {}, [trans.__('Retraining runs')]),
        this.retrainButton,
      ]),
      this.trainer,
      this.noRuns,
      monitorTable(
        trans.__('Retraining runs'),
        [
          trans._p('column', 'started'),
          trans._p('column', 'status'),
          trans._p('column', 'trigger'),
          trans._p('column', 'duration'),
          trans._p('column', 'candidate'),
          trans._p('column', 'decision'),
          trans._p('column', 'message'),
          trans._p('column', 'actions'),
        ],
        this.rows,
      ),
    );
    this.render();
  }

  protected render(): void {
    const trans = this.trans;
    this.renderError();
    const view = this.model.value;
    if (!view) {
      this.noRuns.textContent = this.loadingText();
      return;
    }
    this.renderTrainer(view.trainer);
    this.noRuns.hidden = view.runs.length > 0;
    this.noRuns.textContent = trans.__('No retraining run yet.');
    this.rows.replaceChildren(...view.runs.map((r) => this.row(r)));
  }

  private renderTrainer(trainer: TrainerInfo | null): void {
    const trans = this.trans;
    this.retrainButton.disabled = trainer === null;
    this.retrainButton.title = trainer
      ? ''
      : trans.__('Set a training notebook first: Publish in its toolbar, then "the trainer of".');
    if (!trainer) {
      this.trainer.textContent = trans.__(
        'No training notebook yet. Open the notebook that trains this model, press Publish in its toolbar and choose to use it as the trainer of %1.',
        this.model.name,
      );
      return;
    }
    const parameters = trainer.parameters.length ? trainer.parameters.join(', ') : '–';
    const notebook = trainer.filename ?? trans.__('(unnamed notebook)');
    this.trainer.textContent = trainer.trainingFile
      ? trans.__(
          'Training notebook: %1 (parameters: %2); original training data: %3.',
          notebook,
          parameters,
          trainer.trainingFile.filename ?? trans.__('(unnamed file)'),
        )
      : trans.__('Training notebook: %1 (parameters: %2).', notebook, parameters);
  }

  private row(run: RetrainRun): HTMLTableRowElement {
    const trans = this.trans;
    const trigger = run.triggerDetail
      ? trans.__('%1 (%2)', triggerLabel(run.trigger, trans), run.triggerDetail)
      : triggerLabel(run.trigger, trans);
    const button = (label: string, aria: string, onClick: () => void) =>
      el('button', { type: 'button', class: 'jp-mod-styled', 'aria-label': aria, onClick }, [
        label,
      ]);
    const id = shortRunId(run.id);
    const actions = [
      run.notebookUrl && this.openNotebook
        ? button(
            trans.__('Open notebook'),
            trans.__('Open the notebook of run %1', id),
            () => void this.open(run),
          )
        : null,
      run.status === 'running'
        ? button(trans.__('Cancel'), trans.__('Cancel run %1', id), () => void this.cancel(run))
        : null,
    ];
    return el('tr', { class: `jp-mod-${run.status}`, 'data-run': run.id, title: run.id }, [
      el('td', {}, [new Date(run.createdAt).toLocaleString()]),
      el('td', {}, [
        el('span', { class: `jp-SlipwayRunStatus jp-mod-${run.status}` }, [
          runStatusLabel(run.status, trans),
        ]),
      ]),
      el('td', {}, [trigger]),
      el('td', {}, [formatDuration(run.durationMs, trans)]),
      el('td', {}, [run.candidateVersion === null ? '–' : trans.__('v%1', run.candidateVersion)]),
      el('td', {}, [decisionLabel(run.decision, trans)]),
      // The gateway's own description of what went wrong: shown as it came.
      el('td', { class: 'jp-SlipwayRun-message' }, [runMessage(run)]),
      el('td', {}, [el('div', { class: 'jp-SlipwayMonitor-actions' }, actions)]),
    ]);
  }

  private async retrain(): Promise<void> {
    const button = this.retrainButton;
    button.disabled = true;
    try {
      await this.model.retrain();
    } catch (err) {
      await showErrorMessage(this.trans.__('Retraining not started'), userMessage(err));
    } finally {
      button.disabled = this.model.value?.trainer === null;
    }
  }

  private async cancel(run: RetrainRun): Promise<void> {
    const trans = this.trans;
    const answer = await showDialog({
      title: trans.__('Cancel run %1?', shortRunId(run.id)),
      body: trans.__('The training notebook is stopped; the run makes no candidate.'),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep running') }),
        Dialog.warnButton({ label: trans.__('Cancel run') }),
      ],
    });
    if (!answer.button.accept) return;
    try {
      await this.model.cancel(run.id);
    } catch (err) {
      await showErrorMessage(trans.__('The run was not cancelled'), userMessage(err));
    }
  }

  private async open(run: RetrainRun): Promise<void> {
    try {
      await this.openNotebook!(run, await this.model.notebook(run.id));
    } catch (err) {
      await showErrorMessage(this.trans.__('The notebook was not opened'), userMessage(err));
    }
  }
}
