import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { el } from './dom.js';

/** What an upload's status line says around the percentages, in the user's words. */
export interface UploadWords {
  /** Before the first bytes are sent. */
  before: string;
  /** Once every byte is sent, while the gateway works on them. */
  sent: string;
}

/** A file's upload in a dialog: a progress bar, then a word on what the gateway is doing. */
export class UploadProgress extends Widget {
  protected readonly bar: HTMLProgressElement;
  protected readonly status: HTMLParagraphElement;

  constructor(
    protected readonly trans: TranslationBundle,
    private readonly words: UploadWords,
  ) {
    super();
    this.addClass('jp-SlipwayPublishResult');
    this.bar = el('progress', { max: '1', value: '0', 'aria-label': trans.__('Upload progress') });
    this.status = el('p', { role: 'status' }, [words.before]);
    this.node.append(this.bar, this.status);
  }

  /** Fraction of the upload sent. */
  setProgress(fraction: number): void {
    this.bar.value = fraction;
    this.status.textContent =
      fraction < 1 ? this.trans.__('Uploading… %1%', Math.round(fraction * 100)) : this.words.sent;
  }
}
