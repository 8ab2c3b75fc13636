import type { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { DeploymentDetail, PublishCheck } from '../../gateway/src/protocol/index.js';
import type { NotebookPreview } from '../models/notebook-checks.js';
import {
  existingSummary,
  publishDisabledReason,
  publishProblems,
  type PublishOptions,
} from '../models/publish-options.js';
import { el } from './dom.js';
import { modelInputsPreview } from './model-inputs-preview.js';
import {
  notebookOptions,
  signaturePreview,
  type NotebookOptionInputs,
} from './PublishNotebookParts.js';

/** What the form needs to know to offer its choices. */
export interface PublishFormProps {
  /** The file being published, shown for orientation. */
  path: string;
  /** The format, when it is a saved model (pickles get snippet editors). */
  format?: string;
  pools: string[];
  /** What each pool has free, in words (see `poolFreeText`), shown beside its name. */
  poolFree?: Record<string, string>;
  /**
   * Deployments a notebook can be the trainer of; given and not empty, the form offers
   * "Use as the trainer of…" beside publishing the notebook as a function.
   */
  deployments?: string[];
  initial: PublishOptions;
  /** Problems from a previous attempt, by field, shown beside the fields. */
  problems?: Partial<Record<keyof PublishOptions, string>>;
  /** The words of the form: the plugin's bundle (`translator.load('slipway')`). */
  trans: TranslationBundle;
  /**
   * Looks a name up (null: no such deployment): the form says when the name exists and asks
   * whether to publish a new version of it.
   */
  lookup?: (name: string) => Promise<DeploymentDetail | null>;
  /** A notebook's signature and warnings, read before the upload. */
  notebook?: NotebookPreview;
  /**
   * Checks a model file with the gateway (a `dryRun` publish): the form shows the inputs it
   * would publish, and what they would break for a name that exists.
   */
  checkFile?: () => Promise<PublishCheck>;
}

type Problems = Partial<Record<keyof PublishOptions, string>>;

// The snippets' placeholders are Python: only their comments are words to translate.
const preprocessHint = (trans: TranslationBundle) => `def preprocess(records):
    # ${trans.__("records: a list of dicts, one per call record; return the model's input")}
    import pandas as pd
    return pd.DataFrame(records)`;
const predictHint = (trans: TranslationBundle) => `def predict(model, data):
    # ${trans.__('data: what preprocess returned; return one prediction per record')}
    return model.predict(data).tolist()`;

/**
 * The body of the publish dialog: name, pool, visibility, timeout, and pickle snippets; for a
 * notebook, the choice to make it a deployment's training notebook instead.
 */
export class PublishForm extends Widget implements Dialog.IBodyWidget<PublishOptions> {
  private readonly name: HTMLInputElement;
  private readonly pool: HTMLSelectElement;
  private readonly isPublic: HTMLInputElement;
  private readonly timeout: HTMLInputElement;
  private readonly preprocess?: HTMLTextAreaElement;
  private readonly predict?: HTMLTextAreaElement;
  private readonly inputs?: HTMLTextAreaElement;
  private readonly asTrainer?: HTMLInputElement;
  private readonly trainerOf?: HTMLSelectElement;
  private readonly trainingFile?: HTMLInputElement;
  private readonly existing: HTMLElement;
  private readonly requirements?: HTMLTextAreaElement;
  private readonly notebookInputs?: NotebookOptionInputs;
  private readonly problemOf = new Map<keyof PublishOptions, HTMLElement>();
  private readonly disabledReason: HTMLElement;
  /** The previous attempt's problems (some only the gateway knew), kept until an edit. */
  private carried: Problems;
  private readonly trans: TranslationBundle;
  private newVersion?: { of: string; choice: HTMLInputElement };
  private lookups = 0;
  /** The model file as the gateway checked it, once it answered. */
  private checked?: PublishCheck;
  /** Settles once the lookup of the name last set is shown. */
  lookedUp: Promise<void> = Promise.resolve();
  /** Settles once the model file's check is shown. */
  fileChecked: Promise<void> = Promise.resolve();

  constructor(props: PublishFormProps) {
    super();
    this.addClass('jp-SlipwayPublishForm');
    const { initial, problems = {}, trans } = props;
    this.trans = trans;
    this.name = el('input', {
      type: 'text',
      name: 'name',
      value: initial.name,
      'aria-label': trans.__('Deployment name'),
      spellcheck: 'false',
    });
    this.pool = el(
      'select',
      { name: 'pool', 'aria-label': trans.__('Pool') },
      props.pools.map((p) => {
        const free = props.poolFree?.[p];
        const label = free ? `${p} (${free})` : p;
        return el('option', { value: p, selected: p === initial.pool }, [label]);
      }),
    );
    this.isPublic = el('input', {
      type: 'checkbox',
      name: 'public',
      'aria-label': trans.__('Public (no invoke key needed)'),
      checked: initial.public,
    });
    this.timeout = el('input', {
      type: 'number',
      name: 'timeoutSeconds',
      min: '1',
      placeholder: trans.__('gateway default'),
      value: initial.timeoutSeconds === undefined ? '' : String(initial.timeoutSeconds),
      'aria-label': trans.__('Timeout in seconds'),
    });
    const row = (label: string, input: HTMLElement, field: keyof PublishOptions, help?: string) =>
      el('label', { class: 'jp-SlipwayPublishForm-row' }, [
        el('span', { class: 'jp-SlipwayPublishForm-label' }, [label]),
        input,
        help ? el('span', { class: 'jp-SlipwayPublishForm-help' }, [help]) : null,
        this.problemSlot(field),
      ]);
    const asFunction = el('section', { class: 'jp-SlipwayPublishForm-section' });
    this.node.append(el('p', { class: 'jp-SlipwayPublishForm-path' }, [props.path]));
    if (props.format === 'notebook' && props.deployments?.length) {
      const trainer = el('section', { class: 'jp-SlipwayPublishForm-section' });
      const choice = (value: 'function' | 'trainer', label: string) => {
        const radio = el('input', {
          type: 'radio',
          name: 'as',
          value,
          checked: (initial.as ?? 'function') === value,
        });
        radio.addEventListener('change', () => {
          asFunction.hidden = this.asTrainer!.checked;
          trainer.hidden = !this.asTrainer!.checked;
        });
        return { radio, label: el('label', {}, [radio, ` ${label}`]) };
      };
      const fn = choice('function', trans.__('Publish as a function'));
      const tr = choice('trainer', trans.__('Use as the trainer of…'));
      this.asTrainer = tr.radio;
      this.trainerOf = el(
        'select',
        { name: 'trainerOf', 'aria-label': trans.__('Deployment to retrain') },
        props.deployments.map((d) =>
          el('option', { value: d, selected: d === initial.trainerOf }, [d]),
        ),
      );
      this.trainingFile = el('input', {
        type: 'text',
        name: 'trainingFile',
        value: initial.trainingFile ?? '',
        placeholder: trans.__('e.g. data/train.csv'),
        'aria-label': trans.__('Original training data (optional)'),
        spellcheck: 'false',
      });
      trainer.append(
        row(
          trans.__('Deployment'),
          this.trainerOf,
          'trainerOf',
          trans.__(
            'Retraining runs this notebook with training_data_path, live_model_path, output_model_path and target_column set in its parameters cell; it writes the new model to output_model_path.',
          ),
        ),
        row(
          trans.__('Training data'),
          this.trainingFile,
          'trainingFile',
          trans.__(
            'Optional: a .csv or .parquet file of this Jupyter server, passed as original_training_data_path.',
          ),
        ),
      );
      const isTrainer = tr.radio.checked;
      asFunction.hidden = isTrainer;
      trainer.hidden = !isTrainer;
      this.node.append(
        el(
          'div',
          {
            class: 'jp-SlipwayPublishForm-as',
            role: 'radiogroup',
            'aria-label': trans.__('Publish as'),
          },
          [fn.label, tr.label],
        ),
        trainer,
      );
    }
    this.node.append(asFunction);
    if (props.notebook) asFunction.append(signaturePreview(props.notebook, trans));
    if (props.checkFile) asFunction.append(this.modelPreview(props));
    this.existing = el('div', { class: 'jp-SlipwayPublishForm-existing', 'aria-live': 'polite' });
    asFunction.append(
      row(
        trans.__('Name'),
        this.name,
        'name',
        trans.__('Part of the URL: /fn/<name>. Same name again = new version.'),
      ),
      this.existing,
      row(trans.__('Pool'), this.pool, 'pool'),
      row(
        trans.__('Public'),
        this.isPublic,
        'public',
        trans.__('Unchecked: callers need the invoke key.'),
      ),
      row(
        trans.__('Timeout (s)'),
        this.timeout,
        'timeoutSeconds',
        trans.__('Empty: the gateway default (300 s for notebooks, 30 s for models).'),
      ),
    );
    // The Python runtimes take requirements: a pickle's worker, a notebook's kernels.
    if (props.format === 'pickle' || props.format === 'notebook') {
      this.requirements = el('textarea', {
        name: 'requirements',
        rows: '2',
        spellcheck: 'false',
        placeholder: trans.__('e.g. %1', 'xgboost==2.1.3'),
        'aria-label': trans.__('Requirements'),
      });
      this.requirements.value = initial.requirements ?? '';
      asFunction.append(
        row(
          trans.__('Requirements'),
          this.requirements,
          'requirements',
          props.format === 'notebook'
            ? trans.__(
                'Extra packages the notebook needs, installed once at publish: one a line, as in requirements.txt.',
              )
            : trans.__('Extra packages the model needs, one a line, as in requirements.txt.'),
        ),
      );
    }
    if (props.format === 'notebook') {
      this.notebookInputs = notebookOptions(initial, trans);
      const n = this.notebookInputs;
      const more = el('details', { class: 'jp-SlipwayPublishForm-more' }, [
        el('summary', {}, [trans.__('Scaling and calls')]),
        row(
          trans.__('Concurrent calls'),
          n.maxConcurrency,
          'maxConcurrency',
          trans.__('Runs at once; more calls wait. Empty: 4.'),
        ),
        row(
          trans.__('Warm kernels'),
          n.warmKernels,
          'warmKernels',
          trans.__('Kernels started ahead of calls, so a call pays for its cells only. Empty: 2.'),
        ),
        row(
          trans.__('Idle time (s)'),
          n.idleSeconds,
          'idleSeconds',
          trans.__('Kernels stop after this long without calls (scale to zero). Empty: 600.'),
        ),
        row(
          trans.__('Asynchronous calls'),
          n.asyncCalls,
          'asyncCalls',
          trans.__(
            'Show callers the asynchronous call (?async=true): 202 at once with a status URL, for long runs.',
          ),
        ),
      ]);
      // Open when it holds a choice or a problem, so nothing set or refused is out of sight.
      more.open = (['maxConcurrency', 'warmKernels', 'idleSeconds', 'asyncCalls'] as const).some(
        (k) => (initial[k] !== undefined && initial[k] !== false) || problems[k] !== undefined,
      );
      asFunction.append(more);
    }
    if (props.format === 'pickle') {
      const code = (
        name: 'preprocess' | 'predict' | 'inputs',
        rows: number,
        hint: string,
        label: string,
      ) => {
        const area = el('textarea', {
          name,
          rows: String(rows),
          spellcheck: 'false',
          placeholder: hint,
          'aria-label': label,
        });
        area.value = initial[name] ?? '';
        return area;
      };
      this.preprocess = code(
        'preprocess',
        5,
        preprocessHint(trans),
        trans.__('Pre-processing snippet'),
      );
      this.predict = code('predict', 4, predictHint(trans), trans.__('Prediction snippet'));
      // A JSON example, not words: it stays as it is in every language.
      this.inputs = code(
        'inputs',
        2,
        '[{"name": "text", "type": "string"}]',
        trans.__('Inputs (JSON)'),
      );
      asFunction.append(
        row(
          trans.__('Inputs'),
          this.inputs,
          'inputs',
          trans.__('JSON; needed with pre-processing, else read from the model.'),
        ),
        row(
          trans.__('Pre-processing'),
          this.preprocess,
          'preprocess',
          trans.__('Optional Python: preprocess(records).'),
        ),
        row(
          trans.__('Prediction'),
          this.predict,
          'predict',
          trans.__('Optional Python: predict(model, data).'),
        ),
      );
    }
    this.disabledReason = el('p', {
      class: 'jp-SlipwayPublishForm-disabled',
      // A summary: each field's own problem is the alert.
      role: 'status',
      hidden: true,
    });
    this.node.append(this.disabledReason);
    this.carried = problems;
    this.showProblems(problems);
    // Checked as the user types, so a disabled Publish always says why.
    const edited = () => {
      this.carried = {};
      this.validate();
    };
    this.node.addEventListener('input', edited);
    this.node.addEventListener('change', edited);
    this.name.addEventListener('change', () => this.checkName(props));
    this.checkName(props);
  }

  private problemSlot(field: keyof PublishOptions): HTMLElement {
    const slot = el('span', { class: 'jp-SlipwayPublishForm-problem', hidden: true });
    this.problemOf.set(field, slot);
    return slot;
  }

  /** Shows each problem beside its field, and why Publish is disabled. */
  private showProblems(problems: Problems): void {
    for (const [field, slot] of this.problemOf) {
      slot.textContent = problems[field] ?? '';
      slot.hidden = !problems[field];
      // Only a problem shown is announced.
      if (problems[field]) slot.setAttribute('role', 'alert');
      else slot.removeAttribute('role');
    }
    const reason = publishDisabledReason(problems, this.trans);
    this.disabledReason.textContent = reason ?? '';
    this.disabledReason.hidden = !reason;
    const accept = this.node
      .closest('.jp-Dialog-content')
      ?.querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-accept');
    if (accept) accept.disabled = reason !== undefined;
  }

  /** Checks the options as they are now; answers the problems found. */
  validate(): Problems {
    const problems = { ...publishProblems(this.getValue(), this.trans), ...this.carried };
    this.showProblems(problems);
    return problems;
  }

  protected onAfterAttach(): void {
    // The dialog's buttons exist once the body is in it.
    this.validate();
  }

  /**
   * The inputs the model file would publish, as the gateway reads them; when it answers, the
   * name's summary is told again with them (what the new version would break).
   */
  private modelPreview(props: PublishFormProps): HTMLElement {
    const { trans } = props;
    const section = el(
      'section',
      { class: 'jp-SlipwayPublishForm-preview', 'aria-label': trans.__('What it will publish') },
      [el('p', { class: 'jp-SlipwayPublishForm-help' }, [trans.__('Reading the model’s inputs…')])],
    );
    this.fileChecked = props.checkFile!().then(
      (check) => {
        this.checked = check;
        section.replaceChildren(...modelInputsPreview(check, trans));
        this.checkName(props);
      },
      (err: unknown) => {
        section.replaceChildren(
          el('p', { class: 'jp-SlipwayPublishForm-warning', role: 'alert' }, [
            trans.__(
              'The gateway could not read this file: %1',
              err instanceof Error ? err.message : String(err),
            ),
          ]),
        );
      },
    );
    return section;
  }

  /** Looks the name up and says whether it exists, offering a new version of it if so. */
  private checkName(props: PublishFormProps): void {
    const { lookup, trans } = props;
    if (!lookup) return;
    const name = this.name.value.trim();
    const mine = ++this.lookups;
    this.existing.replaceChildren();
    this.newVersion = undefined;
    if (!name) return;
    this.lookedUp = lookup(name)
      .catch(() => null)
      .then((found) => {
        // A later lookup (the name changed again) has the last word.
        if (mine !== this.lookups || !found) return;
        const choice = el('input', {
          type: 'checkbox',
          name: 'newVersion',
          checked: props.initial.newVersionOf === found.name,
        });
        this.newVersion = { of: found.name, choice };
        this.existing.replaceChildren(
          el('p', { class: 'jp-SlipwayPublishForm-help' }, [
            existingSummary(found, trans, this.checked),
          ]),
          el('label', {}, [
            choice,
            ` ${trans.__('Publish as a new version of %1 (or change the name)', found.name)}`,
          ]),
        );
      });
  }

  getValue(): PublishOptions {
    const timeout = this.timeout.value.trim();
    return {
      name: this.name.value.trim(),
      pool: this.pool.value,
      public: this.isPublic.checked,
      timeoutSeconds: timeout === '' ? undefined : Number(timeout),
      preprocess: this.preprocess?.value,
      predict: this.predict?.value,
      inputs: this.inputs?.value,
      as: this.asTrainer?.checked ? 'trainer' : 'function',
      trainerOf: this.trainerOf?.value,
      trainingFile: this.trainingFile?.value.trim(),
      newVersionOf: this.newVersion?.choice.checked ? this.newVersion.of : undefined,
      requirements: this.requirements?.value,
      ...this.notebookInputs?.value(),
    };
  }
}
