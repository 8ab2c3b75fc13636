import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { el } from './dom.js';

/** The upload of a data file: a progress bar, then a word on what the gateway is doing. */
export class DataUploadProgress extends Widget {
  private readonly bar: HTMLProgressElement;
  private readonly status: HTMLParagraphElement;

  constructor(private readonly trans: TranslationBundle) {
    super();
    this.addClass('jp-SlipwayPublishResult');
    this.addClass('jp-SlipwayDataUploadProgress');
    this.bar = el('progress', { max: '1', value: '0', 'aria-label': trans.__('Upload progress') });
    this.status = el('p', { role: 'status' }, [trans.__('Reading the file…')]);
    this.node.append(this.bar, this.status);
  }

  /** Fraction sent; at 1 the gateway is reading the rows. */
  setProgress(fraction: number): void {
    this.bar.value = fraction;
    this.status.textContent =
      fraction < 1
        ? this.trans.__('Uploading… %1%', Math.round(fraction * 100))
        : this.trans.__('The gateway is reading the rows…');
  }
}
