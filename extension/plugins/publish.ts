import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import type { Contents } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { userMessage } from '../client/errors.js';
import { publishIcon } from '../icons.js';
import { dataContentTypeOf } from '../models/data-files.js';
import { slugFromFilename } from '../models/deployment-name.js';
import { modelFormatOf } from '../models/model-files.js';
import { cellsOf } from '../models/notebook-checks.js';
import { ISlipway } from '../tokens.js';
import { publishWithDialog } from './publish-flow.js';
import { readDataFile } from './read-file.js';

const CommandIDs = {
  publishNotebook: 'slipway:publish-notebook',
  publishModel: 'slipway:publish-model',
} as const;

/** The bytes of a file on the Jupyter server, as a Blob. */
async function readFile(contents: Contents.IManager, path: string): Promise<Blob> {
  const model = await contents.get(path, { content: true, type: 'file', format: 'base64' });
  const binary = atob(String(model.content).replace(/\s/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes]);
}

/** Publish (notebook toolbar) and Publish model (file browser context menu). */
export const publishPlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:publish',
  description: 'Publishes notebooks and saved models to the Slipway gateway.',
  autoStart: true,
  requires: [ISlipway, INotebookTracker],
  optional: [IDefaultFileBrowser, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    slipway: ISlipway,
    tracker: INotebookTracker,
    browser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
  ) => {
    const trans = (translator ?? nullTranslator).load('slipway');
    const contents = app.serviceManager.contents;

    app.commands.addCommand(CommandIDs.publishNotebook, {
      // The toolbar shows an icon's label only when its item names one: schema/publish.json
      // does, as an icon alone read as the file browser's Upload.
      label: trans.__('Publish'),
      caption: trans.__('Publish this notebook as an HTTP function with Slipway'),
      icon: publishIcon,
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const panel = tracker.currentWidget;
        if (!panel) return;
        try {
          // What is published is what is on disk: save first so the two agree.
          await panel.context.save();
        } catch (err) {
          await showErrorMessage(trans.__('Save the notebook first'), userMessage(err));
          return;
        }
        const path = panel.context.path;
        const filename = PathExt.basename(path);
        const published = await publishWithDialog(
          slipway,
          trans,
          {
            path,
            filename,
            format: 'notebook',
            read: () => readFile(contents, path),
            readData: (data) => readDataFile(contents, data, dataContentTypeOf(data) ?? 'text/csv'),
            cells: () => (panel.content.model ? cellsOf(panel.content.model) : []),
          },
          { name: slugFromFilename(filename), pool: 'cpu', public: false },
        );
        if (published?.kind === 'function')
          slipway.openMonitor(published.deployment.name, { ref: panel.id });
        if (published?.kind === 'trainer')
          slipway.openMonitor(published.trainer.deployment, { ref: panel.id, tab: 'retraining' });
      },
    });

    const selectedModelFile = () => {
      const item = browser ? [...browser.selectedItems()][0] : undefined;
      return item && item.type !== 'directory' && modelFormatOf(item.path) ? item : undefined;
    };
    app.commands.addCommand(CommandIDs.publishModel, {
      label: trans.__('Publish Model'),
      caption: trans.__('Publish this saved model (ONNX, PMML, pickle, H2O MOJO) with Slipway'),
      icon: publishIcon,
      isVisible: () => selectedModelFile() !== undefined,
      execute: async (args) => {
        const path = (args.path as string | undefined) ?? selectedModelFile()?.path;
        const format = path ? modelFormatOf(path) : null;
        if (!path || !format) {
          await showErrorMessage(
            trans.__('Publish Model'),
            trans.__(
              'Select an .onnx, .pmml/.xml, .pkl/.joblib or H2O MOJO .zip file in the file browser.',
            ),
          );
          return;
        }
        const filename = PathExt.basename(path);
        const published = await publishWithDialog(
          slipway,
          trans,
          {
            path,
            filename,
            format,
            read: () => readFile(contents, path),
            size: async () => (await contents.get(path, { content: false })).size,
          },
          { name: slugFromFilename(filename), pool: 'cpu', public: false },
        );
        if (published?.kind === 'function') slipway.openMonitor(published.deployment.name);
      },
    });
    palette?.addItem({ command: CommandIDs.publishNotebook, category: trans.__('Slipway') });
  },
};
