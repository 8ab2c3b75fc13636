import type { TranslationBundle } from '@jupyterlab/translation';
import { UploadProgress } from './UploadProgress.js';

/** The upload of a data file: a progress bar, then a word on what the gateway is doing. */
export class DataUploadProgress extends UploadProgress {
  constructor(trans: TranslationBundle) {
    super(trans, {
      before: trans.__('Reading the file…'),
      sent: trans.__('The gateway is reading the rows…'),
    });
    this.addClass('jp-SlipwayDataUploadProgress');
  }
}
