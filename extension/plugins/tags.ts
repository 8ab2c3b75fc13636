import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { OUTPUT_TAG, PARAMETERS_TAG, tagsOf, toggleTag } from '../models/cell-tags.js';
import { showCellTags } from '../widgets/cell-tag-badges.js';

const CommandIDs = {
  tagParameters: 'slipway:tag-parameters',
  tagOutput: 'slipway:tag-output',
} as const;

/** Tag as parameters / Tag as output on the active cell, and the tags shown on cells. */
export const tagsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:tags',
  description: 'Tags notebook cells as papermill parameters or Slipway outputs.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
  ) => {
    const trans = (translator ?? nullTranslator).load('slipway');
    const activeTags = () => tagsOf(tracker.activeCell?.model.getMetadata('tags'));
    const add = (id: string, tag: string, label: string, caption: string) => {
      app.commands.addCommand(id, {
        label,
        caption,
        isEnabled: () => tracker.activeCell !== null,
        isToggled: () => activeTags().includes(tag),
        execute: () => {
          const cell = tracker.activeCell;
          if (!cell) return;
          const tags = toggleTag(activeTags(), tag);
          if (tags.length) cell.model.setMetadata('tags', tags);
          else cell.model.deleteMetadata('tags');
          app.commands.notifyCommandChanged(id);
        },
      });
      palette?.addItem({ command: id, category: trans.__('Slipway') });
    };
    add(
      CommandIDs.tagParameters,
      PARAMETERS_TAG,
      trans.__('Tag as Parameters'),
      trans.__(
        'Toggle the papermill "parameters" tag: this cell holds the defaults a call overrides',
      ),
    );
    add(
      CommandIDs.tagOutput,
      OUTPUT_TAG,
      trans.__('Tag as Output'),
      trans.__('Toggle the "output" tag: a call returns this cell\'s outputs'),
    );
    tracker.activeCellChanged.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.tagParameters);
      app.commands.notifyCommandChanged(CommandIDs.tagOutput);
    });
    tracker.widgetAdded.connect((_, panel) => showCellTags(panel, trans));
  },
};
