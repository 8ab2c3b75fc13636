import type { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import type { DataPurpose } from '../models/data-files.js';
import { el } from './dom.js';

export interface DataUploadFormProps {
  /** The file being sent, shown for orientation. */
  path: string;
  purpose: DataPurpose;
  deployments: Deployment[];
  /** The deployment picked first, when it is in the list. */
  initial?: string;
  trans: TranslationBundle;
}

/** The body of the ground truth / reference dialog: which deployment the file is for. */
export class DataUploadForm extends Widget implements Dialog.IBodyWidget<string> {
  private readonly select: HTMLSelectElement;

  constructor({ path, purpose, deployments, initial, trans }: DataUploadFormProps) {
    super();
    this.addClass('jp-SlipwayPublishForm');
    this.addClass('jp-SlipwayDataUploadForm');
    const chosen = deployments.some((d) => d.name === initial) ? initial : deployments[0]?.name;
    this.select = el(
      'select',
      { name: 'deployment', 'aria-label': trans.__('Deployment') },
      deployments.map((d) =>
        el('option', { value: d.name, selected: d.name === chosen }, [
          trans.__('%1 (v%2, %3)', d.name, d.version, d.format),
        ]),
      ),
    );
    const help =
      purpose === 'feedback'
        ? trans.__(
            'One row per labelled prediction: an id column with the prediction id the API returned, and an actual column with the true label.',
          )
        : trans.__(
            'Rows of typical inputs, one column per feature as the model takes them. Drift is measured against them; they replace the current reference.',
          );
    this.node.append(
      el('p', { class: 'jp-SlipwayPublishForm-path' }, [path]),
      el('label', { class: 'jp-SlipwayPublishForm-row' }, [
        el('span', { class: 'jp-SlipwayPublishForm-label' }, [trans.__('Deployment')]),
        this.select,
        el('span', { class: 'jp-SlipwayPublishForm-help' }, [help]),
      ]),
    );
  }

  /** The deployment's name. */
  getValue(): string {
    return this.select.value;
  }
}
