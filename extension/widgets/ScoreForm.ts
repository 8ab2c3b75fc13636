import type { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import type { JobInputFormat, JobOutputFormat } from '../client/jobs-wire.js';
import { defaultOutputFormat } from '../models/score-files.js';
import {
  parseColumnList,
  scoreProblems,
  type ScoreDraft,
  type ScoreProblems,
} from '../models/score-options.js';
import { el } from './dom.js';

export interface ScoreFormProps {
  /** The input file, shown for orientation. */
  path: string;
  format: JobInputFormat;
  deployments: Deployment[];
  /** The deployment picked first, when it is in the list. */
  initial?: string;
  /** The input's columns when they were cheap to read (CSV header, first JSON line), else null. */
  columns: string[] | null;
  trans: TranslationBundle;
}

/**
 * The body of the Score with… dialog: which deployment scores the file, the output format,
 * the columns copied through, chunk size and maximum error rate. Each field's problem is
 * shown beside it, and Score stays disabled while there is one.
 */
export class ScoreForm extends Widget implements Dialog.IBodyWidget<ScoreDraft> {
  private readonly trans: TranslationBundle;
  private readonly deployment: HTMLSelectElement;
  private readonly output: HTMLSelectElement;
  /** One checkbox per column, or a text field when the columns are unknown. */
  private readonly passThrough: HTMLInputElement[] | HTMLInputElement;
  private readonly chunkSize: HTMLInputElement;
  private readonly maxErrorPercent: HTMLInputElement;
  private readonly problemOf = new Map<keyof ScoreDraft, HTMLElement>();

  constructor({ path, format, deployments, initial, columns, trans }: ScoreFormProps) {
    super();
    this.trans = trans;
    this.addClass('jp-SlipwayPublishForm');
    this.addClass('jp-SlipwayScoreForm');
    const chosen = deployments.some((d) => d.name === initial) ? initial : deployments[0]?.name;
    this.deployment = el(
      'select',
      { name: 'deployment', 'aria-label': trans.__('Deployment') },
      deployments.map((d) =>
        el('option', { value: d.name, selected: d.name === chosen }, [
          trans.__('%1 (v%2, %3)', d.name, d.version, d.format),
        ]),
      ),
    );
    const output = defaultOutputFormat(format);
    const outputChoices: [JobOutputFormat, string][] = [
      ['csv', trans.__('CSV')],
      ['jsonl', trans.__('JSON lines')],
    ];
    this.output = el(
      'select',
      { name: 'output', 'aria-label': trans.__('Output format') },
      outputChoices.map(([value, text]) =>
        el('option', { value, selected: value === output }, [text]),
      ),
    );
    this.chunkSize = el('input', {
      name: 'chunkSize',
      inputmode: 'numeric',
      placeholder: '1000',
      'aria-label': trans.__('Chunk size (rows)'),
    });
    this.maxErrorPercent = el('input', {
      name: 'maxErrorPercent',
      inputmode: 'decimal',
      placeholder: '1',
      'aria-label': trans.__('Maximum error rate (%)'),
    });

    let passThroughField: HTMLElement;
    if (columns) {
      const boxes = columns.map((c) => el('input', { type: 'checkbox', value: c }));
      this.passThrough = boxes;
      passThroughField = el(
        'fieldset',
        { class: 'jp-SlipwayScoreForm-columns', 'aria-label': trans.__('Pass-through columns') },
        [
          el('legend', { class: 'jp-SlipwayPublishForm-label' }, [
            trans.__('Pass-through columns'),
          ]),
          ...boxes.map((box) => el('label', {}, [box, ` ${box.value}`])),
          this.problemSlot('passThrough'),
          el('span', { class: 'jp-SlipwayPublishForm-help' }, [
            trans.__('Copied from each input row to its output row, e.g. an id column.'),
          ]),
        ],
      );
    } else {
      this.passThrough = el('input', {
        name: 'passThrough',
        placeholder: trans.__('customer_id, region'),
        'aria-label': trans.__('Pass-through columns'),
      });
      passThroughField = this.row(
        trans.__('Pass-through columns'),
        this.passThrough,
        'passThrough',
        trans.__('Comma-separated input columns copied to each output row, e.g. an id column.'),
      );
    }

    this.node.append(
      el('p', { class: 'jp-SlipwayPublishForm-path' }, [path]),
      this.row(
        trans.__('Deployment'),
        this.deployment,
        'deployment',
        trans.__('Each row goes through this deployment, as a call to its URL would.'),
      ),
      this.row(trans.__('Output format'), this.output, 'output'),
      passThroughField,
      this.row(
        trans.__('Chunk size (rows)'),
        this.chunkSize,
        'chunkSize',
        trans.__('Rows per call to the model; empty for the default (1000).'),
      ),
      this.row(
        trans.__('Maximum error rate (%)'),
        this.maxErrorPercent,
        'maxErrorPercent',
        trans.__(
          'Rows that fail validation go to an errors file; past this share the job fails. Empty for the default (1%).',
        ),
      ),
    );
    const edited = () => this.validate();
    this.node.addEventListener('input', edited);
    this.node.addEventListener('change', edited);
  }

  /** Checks the fields as they are now; shows and answers the problems found. */
  validate(): ScoreProblems {
    const problems = scoreProblems(this.getValue(), this.trans);
    for (const [field, slot] of this.problemOf) {
      slot.textContent = problems[field] ?? '';
      slot.hidden = !problems[field];
      if (problems[field]) slot.setAttribute('role', 'alert');
      else slot.removeAttribute('role');
    }
    const accept = this.node
      .closest('.jp-Dialog-content')
      ?.querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-accept');
    if (accept) accept.disabled = Object.keys(problems).length > 0;
    return problems;
  }

  getValue(): ScoreDraft {
    const passThrough = Array.isArray(this.passThrough)
      ? this.passThrough.filter((b) => b.checked).map((b) => b.value)
      : parseColumnList(this.passThrough.value);
    return {
      deployment: this.deployment.value,
      output: this.output.value as JobOutputFormat,
      passThrough,
      chunkSize: this.chunkSize.value,
      maxErrorPercent: this.maxErrorPercent.value,
    };
  }

  protected onAfterAttach(): void {
    // The dialog's buttons exist once the body is in it.
    this.validate();
  }

  private problemSlot(field: keyof ScoreDraft): HTMLElement {
    const slot = el('span', { class: 'jp-SlipwayPublishForm-problem', hidden: true });
    this.problemOf.set(field, slot);
    return slot;
  }

  private row(
    label: string,
    control: HTMLElement,
    field: keyof ScoreDraft,
    help?: string,
  ): HTMLLabelElement {
    return el('label', { class: 'jp-SlipwayPublishForm-row' }, [
      el('span', { class: 'jp-SlipwayPublishForm-label' }, [label]),
      control,
      this.problemSlot(field),
      help ? el('span', { class: 'jp-SlipwayPublishForm-help' }, [help]) : null,
    ]);
  }
}
