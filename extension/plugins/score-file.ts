import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { scoreInputFormatOf } from '../models/score-files.js';
import { ISlipway } from '../tokens.js';
import { jupyterFiles } from './jupyter-files.js';
import { scoreFileWithDialog } from './score-flow.js';

const CommandIDs = {
  scoreWith: 'slipway:score-with',
} as const;

/**
 * Score with… in the file browser's context menu (schema/score-file.json), for CSV, JSON
 * lines and Parquet files: a batch job on the gateway, its output written next to the file.
 */
export const scoreFilePlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:score-file',
  description: 'Scores data files with a Slipway deployment as batch jobs.',
  autoStart: true,
  requires: [ISlipway],
  optional: [IDefaultFileBrowser, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    slipway: ISlipway,
    browser: IDefaultFileBrowser | null,
    translator: ITranslator | null,
  ) => {
    const trans = (translator ?? nullTranslator).load('slipway');
    const files = jupyterFiles(app.serviceManager.contents, app.serviceManager.serverSettings);
    const selectedDataFile = () => {
      const item = browser ? [...browser.selectedItems()][0] : undefined;
      return item && item.type !== 'directory' && scoreInputFormatOf(item.path) ? item : undefined;
    };
    const label = trans.__('Score with…');
    app.commands.addCommand(CommandIDs.scoreWith, {
      label,
      caption: trans.__(
        'Score every row of this file with a deployment; the output is written next to it',
      ),
      isVisible: () => selectedDataFile() !== undefined,
      execute: async (args: { path?: unknown; deployment?: unknown }) => {
        const path = (args.path as string | undefined) ?? selectedDataFile()?.path;
        if (!path || !scoreInputFormatOf(path)) {
          await showErrorMessage(
            label,
            trans.__('Select a .csv, .jsonl, .ndjson or .parquet file in the file browser.'),
          );
          return;
        }
        await scoreFileWithDialog(slipway, trans, path, {
          files,
          initial: args.deployment as string | undefined,
          open: (output) => void app.commands.execute('docmanager:open', { path: output }),
        });
      },
    });
  },
};
