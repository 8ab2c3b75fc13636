import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { dataContentTypeOf, type DataPurpose } from '../models/data-files.js';
import { ISlipway } from '../tokens.js';
import { sendDataWithDialog } from './data-upload-flow.js';
import { readDataFile } from './read-file.js';

const CommandIDs = {
  sendGroundTruth: 'slipway:send-ground-truth',
  setReference: 'slipway:set-reference',
} as const;

/**
 * Send as Ground Truth to… and Set as Reference for… in the file browser's context menu
 * (schema/monitoring-data.json), for CSV, JSON lines and Parquet files.
 */
export const monitoringDataPlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:monitoring-data',
  description: 'Sends data files to Slipway deployments as ground truth or drift reference.',
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
    const contents = app.serviceManager.contents;
    const selectedDataFile = () => {
      const item = browser ? [...browser.selectedItems()][0] : undefined;
      return item && item.type !== 'directory' && dataContentTypeOf(item.path) ? item : undefined;
    };
    const command = (purpose: DataPurpose, label: string, caption: string) => ({
      label,
      caption,
      isVisible: () => selectedDataFile() !== undefined,
      execute: async (args: { path?: unknown; deployment?: unknown }) => {
        const path = (args.path as string | undefined) ?? selectedDataFile()?.path;
        const contentType = path ? dataContentTypeOf(path) : null;
        if (!path || !contentType) {
          await showErrorMessage(
            label,
            trans.__('Select a .csv, .jsonl or .parquet file in the file browser.'),
          );
          return;
        }
        await sendDataWithDialog(
          slipway,
          trans,
          {
            path,
            filename: PathExt.basename(path),
            contentType,
            read: () => readDataFile(contents, path, contentType),
          },
          purpose,
          { initial: args.deployment as string | undefined },
        );
      },
    });
    app.commands.addCommand(
      CommandIDs.sendGroundTruth,
      command(
        'feedback',
        trans.__('Send as Ground Truth to…'),
        trans.__('Send the true labels in this file to a deployment, for its live quality'),
      ),
    );
    app.commands.addCommand(
      CommandIDs.setReference,
      command(
        'reference',
        trans.__('Set as Reference for…'),
        trans.__("Make this file's rows the reference a deployment's drift is measured against"),
      ),
    );
  },
};
